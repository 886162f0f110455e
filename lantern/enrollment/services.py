"""Writes for enrollment: issuing and using activation codes, sign-up requests, terms.

Staff actions take the acting user and a PatientAccess from the access policy, and are audited
in the same transaction. Messages to the patient go through the notifications outbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lantern.access.policy import PatientAccess
from lantern.accounts.services import email_verification_start
from lantern.audit.models import ActorRole, AuditAction
from lantern.audit.services import audit_event_record
from lantern.clinical.models import Organization, Patient
from lantern.core.throttle import attempt_allowed
from lantern.notifications.models import NotificationKind
from lantern.notifications.services import absolute_url, notification_send

from .codes import code_generate, code_hash, code_looks_valid
from .models import (
    ActivationCode,
    ActivationCodeStatus,
    EnrollmentRequest,
    EnrollmentRequestStatus,
    TermsAcceptance,
    TermsVersion,
)
from .selectors import clinics_accepting_sign_ups, enrollment_requests_visible_to
from .validators import plain_letters

MAX_FAILED_ATTEMPTS = 5
# Attempts at step 1 from one address in an hour: enough for typing mistakes in a family, far
# too few to guess a 59-bit code.
IDENTITY_ATTEMPTS_PER_HOUR = 20
SIGN_UP_REQUESTS_PER_HOUR = 5

# What the person enrolling reads, in their language (the staff console's messages below stay
# in English, like the console).
NOT_MATCHED = _("We could not match those details. Check them and try again, or call your clinic.")
LOCKED = _("This code is locked after too many tries. Ask your clinic for a new code.")
EXPIRED = _("That code has expired. Ask your clinic for a new one.")
TOO_MANY_TRIES = _("There have been too many tries from this device. Wait an hour and try again.")
CODE_ALREADY_USED = _(
    "This code has already been used. Sign in, or ask your clinic for a new code."
)
USERNAME_TAKEN = _("That username was just taken. Choose another one.")
NOT_TAKING_REQUESTS = _(
    "This clinic is not taking requests for accounts here. Call the clinic and ask for an "
    "activation code."
)
OTHER_CLINICS_PATIENT = (
    "The person asked another clinic. Choose a patient of the clinic named in the request, "
    "or decline it."
)


class EnrollmentError(Exception):
    """A step failed; the message is safe to show the person and says what to do next."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message


class AlreadyIssued(Exception):
    """The form that issues a code was sent twice; the first send already issued it."""


class EnrollmentRequestNotFound(Http404):
    """The request is not one of the acting staff member's clinics (or does not exist)."""


class AlreadyDecided(Exception):
    """The request was approved or declined already (a double click, or a colleague)."""


@dataclass(frozen=True)
class IssuedCode:
    """The code in plain text: shown once to staff, never stored."""

    code: str
    expires_at: dt.datetime
    activation_code: ActivationCode


# Issuing and revoking codes (staff).


def activation_code_issue(
    *, actor, access: PatientAccess, issue_key: str | None = None
) -> IssuedCode:
    """Issue a new code for the patient, revoking any code still active.

    `issue_key` comes from the form: a second send of the same form raises AlreadyIssued
    instead of issuing (and so revoking) again.
    """
    if issue_key and ActivationCode.objects.filter(issue_key=issue_key).exists():
        raise AlreadyIssued
    now = timezone.now()
    code = code_generate()
    try:
        with transaction.atomic():
            # Lock the patient row so two staff issuing at once cannot both leave a code active.
            Patient.objects.select_for_update().filter(pk=access.patient.pk).first()
            _revoke_active(access.patient, now)
            activation_code = ActivationCode.objects.create(
                patient=access.patient,
                code_hash=code_hash(code),
                expires_at=now + dt.timedelta(days=settings.ACTIVATION_CODE_DAYS),
                issued_by=actor if actor is not None and actor.is_authenticated else None,
                issue_key=issue_key or None,
                created_at=now,
            )
            _audit(actor, access, AuditAction.CREATE, activation_code.pk)
    except IntegrityError as error:
        if issue_key and ActivationCode.objects.filter(issue_key=issue_key).exists():
            raise AlreadyIssued from error
        raise
    return IssuedCode(
        code=code, expires_at=activation_code.expires_at, activation_code=activation_code
    )


def activation_code_revoke(*, actor, access: PatientAccess) -> bool:
    """Revoke the patient's active code; False if there was none."""
    with transaction.atomic():
        revoked = _revoke_active(access.patient, timezone.now())
        for code_id in revoked:
            _audit(actor, access, AuditAction.UPDATE, code_id)
    return bool(revoked)


def _revoke_active(patient: Patient, now: dt.datetime) -> list:
    active = ActivationCode.objects.filter(patient=patient, status=ActivationCodeStatus.ACTIVE)
    ids = list(active.values_list("id", flat=True))
    ActivationCode.objects.filter(pk__in=ids, status=ActivationCodeStatus.ACTIVE).update(
        status=ActivationCodeStatus.REVOKED, revoked_at=now
    )
    return ids


def _audit(actor, access: PatientAccess, action: AuditAction, code_id) -> None:
    audit_event_record(
        actor=actor,
        patient=access.patient,
        role=access.role,
        action=action,
        object_type="ActivationCode",
        object_id=str(code_id),
    )


# Signing up with a code (the patient).


def identity_verify(
    *, code: str, birth_date: dt.date, family_name: str, address: str | None
) -> ActivationCode:
    """Step 1: the code, date of birth and last name must all match one patient record.

    Raises EnrollmentError with a message that never says which part was wrong. A wrong date of
    birth or last name with a real code counts against the code; the fifth locks it.
    """
    if not attempt_allowed(
        scope="enroll", address=address, limit=IDENTITY_ATTEMPTS_PER_HOUR, window_seconds=3600
    ):
        raise EnrollmentError(TOO_MANY_TRIES)
    if not code_looks_valid(code):
        raise EnrollmentError(NOT_MATCHED)
    activation_code = (
        ActivationCode.objects.select_related("patient").filter(code_hash=code_hash(code)).first()
    )
    if activation_code is None:
        raise EnrollmentError(NOT_MATCHED)
    if activation_code.status == ActivationCodeStatus.LOCKED:
        raise EnrollmentError(LOCKED)
    if activation_code.status != ActivationCodeStatus.ACTIVE:
        raise EnrollmentError(NOT_MATCHED)
    patient = activation_code.patient
    details_match = patient.birth_date == birth_date and constant_time_compare(
        plain_letters(patient.family_name), plain_letters(family_name)
    )
    if not details_match:
        if activation_code.is_expired:
            raise EnrollmentError(NOT_MATCHED)
        raise EnrollmentError(_count_failed_attempt(activation_code))
    if activation_code.is_expired:
        raise EnrollmentError(EXPIRED)
    if hasattr(patient, "account"):
        raise EnrollmentError(NOT_MATCHED)
    return activation_code


def _count_failed_attempt(activation_code: ActivationCode) -> str:
    active = ActivationCode.objects.filter(
        pk=activation_code.pk, status=ActivationCodeStatus.ACTIVE
    )
    active.update(failed_attempts=F("failed_attempts") + 1)
    locked = active.filter(failed_attempts__gte=MAX_FAILED_ATTEMPTS).update(
        status=ActivationCodeStatus.LOCKED
    )
    return LOCKED if locked else NOT_MATCHED


def enrollment_account_create(
    *, code_id: str, username: str, email: str, password: str, terms_version: TermsVersion
):
    """Step 2: claim the code, create the account, record the terms and start email checks.

    One transaction. The code is claimed with a conditional UPDATE, so of two sends of the form
    (a double click, two tabs) only one creates an account; the other gets EnrollmentError.
    """
    now = timezone.now()
    user_model = get_user_model()
    with transaction.atomic():
        claimed = ActivationCode.objects.filter(
            pk=code_id, status=ActivationCodeStatus.ACTIVE, expires_at__gt=now
        ).update(status=ActivationCodeStatus.USED, used_at=now)
        if not claimed:
            raise EnrollmentError(CODE_ALREADY_USED)
        activation_code = ActivationCode.objects.select_related("patient").get(pk=code_id)
        patient = activation_code.patient
        if user_model.objects.filter(patient=patient).exists():
            raise EnrollmentError(CODE_ALREADY_USED)
        user = user_model(username=username, email=email, patient=patient)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as error:
            raise EnrollmentError(USERNAME_TAKEN) from error
        TermsAcceptance.objects.create(user=user, version=terms_version, accepted_at=now)
        # The one place an account is linked to a patient record: one event that shows in the
        # patient's access log and among the account's security events (subject).
        audit_event_record(
            actor=user,
            patient=patient,
            subject=user,
            role=ActorRole.SELF,
            action=AuditAction.PATIENT_LINKED,
            object_type="ActivationCode",
            object_id=str(activation_code.pk),
        )
        email_verification_start(user=user)
    return user


# Signing up without a code (a request that staff review).


def enrollment_request_submit(
    *,
    given_names: str,
    family_name: str,
    birth_date: dt.date,
    email: str,
    phone: str,
    organization: Organization,
    submission_key: str,
    address: str | None,
) -> EnrollmentRequest | None:
    """Record a sign-up request to one clinic; None for a repeat of the same form.

    Nothing is looked up in the patient records here, so nothing about them can leak.
    Raises EnrollmentError when the address has sent too many requests, or when the clinic
    has no staff to review it (it stopped taking requests since the form was shown).
    """
    if EnrollmentRequest.objects.filter(submission_key=submission_key).exists():
        return None
    if not clinics_accepting_sign_ups().filter(pk=organization.pk).exists():
        raise EnrollmentError(NOT_TAKING_REQUESTS)
    if not attempt_allowed(
        scope="signup", address=address, limit=SIGN_UP_REQUESTS_PER_HOUR, window_seconds=3600
    ):
        raise EnrollmentError(TOO_MANY_TRIES)
    try:
        with transaction.atomic():
            return EnrollmentRequest.objects.create(
                given_names=given_names.strip(),
                family_name=family_name.strip(),
                birth_date=birth_date,
                email=email,
                phone=phone.strip(),
                organization=organization,
                submission_key=submission_key,
            )
    except IntegrityError:
        return None


def enrollment_request_approve(
    *, actor, enrollment_request: EnrollmentRequest, access: PatientAccess
) -> IssuedCode:
    """Match the request to the patient, issue a code and email the activation link.

    Acts once: the request moves from pending with a conditional UPDATE, so a second click (or a
    colleague at the same time) raises AlreadyDecided and sends nothing. A request sent to one
    clinic is matched only to a patient of that clinic.
    """
    if (
        enrollment_request.organization_id is not None
        and access.patient.managing_organization_id != enrollment_request.organization_id
    ):
        raise EnrollmentError(OTHER_CLINICS_PATIENT)
    if hasattr(access.patient, "account"):
        raise EnrollmentError(
            "This patient already has an account. Decline the request, or ask the person to "
            "sign in or reset their password."
        )
    with transaction.atomic():
        decided = _decide(enrollment_request, actor, EnrollmentRequestStatus.APPROVED, access)
        if not decided:
            raise AlreadyDecided
        issued = activation_code_issue(actor=actor, access=access)
        link = absolute_url(reverse("enrollment:start") + "?" + urlencode({"code": issued.code}))
        notification_send(
            kind=NotificationKind.ACTIVATION_LINK,
            email=enrollment_request.email,
            context={"link": link},
            dedupe_key=f"enrollment-request:{enrollment_request.pk}",
        )
        _audit_request(actor, enrollment_request, access.patient)
    return issued


def enrollment_request_decline(*, actor, enrollment_request: EnrollmentRequest) -> None:
    """Decline the request and send a polite note. Raises AlreadyDecided on a second click."""
    with transaction.atomic():
        if not _decide(enrollment_request, actor, EnrollmentRequestStatus.DECLINED, None):
            raise AlreadyDecided
        notification_send(
            kind=NotificationKind.ENROLLMENT_DECLINED,
            email=enrollment_request.email,
            dedupe_key=f"enrollment-request:{enrollment_request.pk}",
        )
        _audit_request(actor, enrollment_request, None)


def _decide(
    enrollment_request: EnrollmentRequest,
    actor,
    status: EnrollmentRequestStatus,
    access: PatientAccess | None,
) -> bool:
    now = timezone.now()
    if not enrollment_requests_visible_to(actor).filter(pk=enrollment_request.pk).exists():
        # The views look requests up in the same scope; this holds for any other caller too.
        raise EnrollmentRequestNotFound
    updated = EnrollmentRequest.objects.filter(
        pk=enrollment_request.pk, status=EnrollmentRequestStatus.PENDING
    ).update(
        status=status,
        reviewed_by=actor,
        decided_at=now,
        patient=access.patient if access is not None else None,
    )
    if updated:
        enrollment_request.status = status
        enrollment_request.reviewed_by = actor
        enrollment_request.decided_at = now
        enrollment_request.patient = access.patient if access is not None else None
    return bool(updated)


def _audit_request(actor, enrollment_request: EnrollmentRequest, patient: Patient | None) -> None:
    audit_event_record(
        actor=actor,
        patient=patient,
        role=ActorRole.STAFF,
        action=AuditAction.UPDATE,
        object_type="EnrollmentRequest",
        object_id=str(enrollment_request.pk),
    )


# Terms of use.


def terms_accept(*, user, version: TermsVersion) -> TermsAcceptance:
    """Record that the account accepted this version (again is harmless: the first counts)."""
    acceptance, _created = TermsAcceptance.objects.get_or_create(
        user=user, version=version, defaults={"accepted_at": timezone.now()}
    )
    return acceptance


def terms_publish(*, version: str, body: str, published_at: dt.datetime | None = None):
    """Publish a new version; every account is asked to accept it at its next page."""
    return TermsVersion.objects.create(
        version=version, body=body, published_at=published_at or timezone.now()
    )
