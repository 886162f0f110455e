"""Reads for enrollment: the current terms, activation codes and sign-up requests."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from lantern.access.policy import PatientAccess, patients_for
from lantern.clinical.models import Patient

from .models import (
    ActivationCode,
    ActivationCodeStatus,
    EnrollmentRequest,
    EnrollmentRequestStatus,
    TermsVersion,
)


def _published_terms() -> QuerySet[TermsVersion]:
    return TermsVersion.objects.filter(published_at__lte=timezone.now()).order_by(
        "-published_at", "-id"
    )


def terms_current() -> TermsVersion | None:
    """The newest published version of the terms of use, or None before any is published."""
    return _published_terms().first()


def terms_acceptance_due(*, user) -> bool:
    """True when a current version exists that the account has not accepted (one query)."""
    current_id = _published_terms().values("id")[:1]
    return TermsVersion.objects.filter(pk__in=current_id).exclude(acceptances__user=user).exists()


def activation_code_active(*, access: PatientAccess) -> ActivationCode | None:
    """The patient's usable code, if any (an expired one is not usable)."""
    return ActivationCode.objects.filter(
        patient=access.patient,
        status=ActivationCodeStatus.ACTIVE,
        expires_at__gt=timezone.now(),
    ).first()


def activation_code_for_sign_up(*, code_id: str) -> ActivationCode | None:
    """A code verified at step 1, if it can still be used to create the account."""
    return (
        ActivationCode.objects.select_related("patient")
        .filter(
            pk=code_id,
            status=ActivationCodeStatus.ACTIVE,
            expires_at__gt=timezone.now(),
            patient__account__isnull=True,
        )
        .first()
    )


def patient_has_account(*, access: PatientAccess) -> bool:
    return hasattr(access.patient, "account")


def enrollment_requests_pending_count() -> int:
    return EnrollmentRequest.objects.filter(status=EnrollmentRequestStatus.PENDING).count()


def enrollment_requests_for_review() -> QuerySet[EnrollmentRequest]:
    """Every request, those waiting for review first, then newest first."""
    return EnrollmentRequest.objects.annotate(
        waiting=Case(
            When(status=EnrollmentRequestStatus.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("waiting", "-created_at")


def enrollment_request_get(*, request_id) -> EnrollmentRequest | None:
    return (
        EnrollmentRequest.objects.select_related("patient", "reviewed_by")
        .filter(pk=request_id)
        .first()
    )


def enrollment_request_candidates(
    *, user, enrollment_request: EnrollmentRequest
) -> QuerySet[Patient]:
    """Patients of the reviewer's clinics with the request's last name and date of birth."""
    return (
        patients_for(user)
        .filter(
            family_name__iexact=enrollment_request.family_name.strip(),
            birth_date=enrollment_request.birth_date,
        )
        .select_related("account")
        .order_by("family_name", "given_names", "mrn")
    )
