"""Reads for enrollment: the current terms, activation codes and sign-up requests."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from lantern.access.models import StaffMembership
from lantern.access.policy import (
    PatientAccess,
    patients_for,
    staff_organizations,
    user_shape,
    user_template,
    user_values,
)
from lantern.clinical.models import Organization, Patient
from lantern.core.statements import Statement, param_for

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


def terms_current_id() -> int | None:
    """The id of `terms_current()`, asked on every signed-in page: Django's own statement for
    it, built once per process (building it took about seven times as long as running it),
    run with the moment of the request."""
    sql, published_at = _terms_current_id_statement()
    connection = connections[router.db_for_read(TermsVersion)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [published_at.get_db_prep_value(timezone.now(), connection)])
        row = cursor.fetchone()
    return row[0] if row else None


@functools.cache
def _terms_current_id_statement() -> tuple[str, Any]:
    # Its one parameter is the moment compared with `published_at`, given on each run.
    sql, _ = _published_terms().values_list("id", flat=True)[:1].query.sql_with_params()
    return sql, TermsVersion._meta.get_field("published_at")


def terms_acceptance_due(*, user) -> bool:
    """True when a current version exists that the account has not accepted (one query).

    The terms of use are the patient portal's: clinic staff without a record of their own work
    under their employment terms and are never asked. Staff who are also patients accept them.
    """
    current_id = _published_terms().values("id")[:1]
    due = TermsVersion.objects.filter(pk__in=current_id).exclude(acceptances__user=user)
    if user.patient_id is None:
        due = due.exclude(Exists(_active_memberships(user)))
    return due.exists()


def terms_are_for(*, user) -> bool:
    """Whether the portal's terms of use apply to the account: not to staff-only accounts."""
    return user.patient_id is not None or not _active_memberships(user).exists()


def _active_memberships(user) -> QuerySet[StaffMembership]:
    return StaffMembership.objects.filter(user=user, is_active=True)


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


# Built once per process (lantern/core/statements.py).
_PATIENT_ACCOUNT = Statement(
    lambda: get_user_model().objects.filter(patient=param_for(get_user_model(), "patient"))
)


def patient_has_account(*, access: PatientAccess) -> bool:
    """Whether the patient has signed up (an account holds their record)."""
    return _PATIENT_ACCOUNT.exists(patient=access.patient.pk)


def clinics_accepting_sign_ups() -> QuerySet[Organization]:
    """The clinics this deployment serves: active ones with at least one active staff member.

    Only their staff could ever review a sign-up request, so these are the clinics a person may
    send one to.
    """
    active_staff = StaffMembership.objects.filter(
        organization=OuterRef("pk"), is_active=True, user__is_active=True
    )
    return Organization.objects.filter(Exists(active_staff), active=True).order_by("name", "pk")


def enrollment_requests_visible_to(user) -> QuerySet[EnrollmentRequest]:
    """The requests the user may see and decide: those sent to a clinic they are active staff of.

    A request sent before requests named a clinic has none, and nothing says which clinic the
    person meant. It is shown only to staff of every clinic the deployment serves: in a
    deployment with one clinic that is every staff member, as before; where several clinics
    share the deployment, a request is never shown to staff of a clinic the person may not have
    asked. The whole rule is one SQL filter, so a page costs the same whatever the data.
    """
    if not (user is not None and user.is_authenticated and user.is_active):
        return EnrollmentRequest.objects.none()
    own_clinics = staff_organizations(user)
    staff_of_every_clinic = Exists(own_clinics) & ~Exists(
        clinics_accepting_sign_ups().exclude(pk__in=own_clinics)
    )
    return EnrollmentRequest.objects.filter(
        Q(organization_id__in=own_clinics) | (Q(organization__isnull=True) & staff_of_every_clinic)
    )


# The console home's count, built once per process (lantern/core/statements.py).
_PENDING = Statement(
    lambda *user: enrollment_requests_visible_to(user_template(*user)).filter(
        status=EnrollmentRequestStatus.PENDING
    )
)


def enrollment_requests_pending_count(*, user) -> int:
    return _PENDING.count(user_shape(user), **user_values(user))


def enrollment_requests_for_review(*, user) -> QuerySet[EnrollmentRequest]:
    """The user's requests, those waiting for review first, then newest first."""
    return (
        enrollment_requests_visible_to(user)
        .select_related("organization")
        .annotate(
            waiting=Case(
                When(status=EnrollmentRequestStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting", "-created_at")
    )


def enrollment_request_get(*, user, request_id: uuid.UUID | str) -> EnrollmentRequest | None:
    """One request the user may see, or None (out of scope and missing look the same)."""
    return (
        enrollment_requests_visible_to(user)
        .select_related("patient", "reviewed_by", "organization")
        .filter(pk=request_id)
        .first()
    )


def enrollment_request_candidates(
    *, user, enrollment_request: EnrollmentRequest
) -> QuerySet[Patient]:
    """Patients of the reviewer's clinics with the request's last name and date of birth.

    When the request names a clinic, only that clinic's patients: the person asked that clinic.
    """
    candidates = patients_for(user).filter(
        family_name__iexact=enrollment_request.family_name.strip(),
        birth_date=enrollment_request.birth_date,
    )
    if enrollment_request.organization_id is not None:
        candidates = candidates.filter(managing_organization_id=enrollment_request.organization_id)
    return candidates.select_related("account").order_by("family_name", "given_names", "mrn")
