"""Writes for family and proxy access: how a relationship starts and how it ends.

- A patient of age invites a caregiver by email (`caregiver_invite`); the invitee follows the
  link once and accepts (`invitation_accept`) or declines (`invitation_decline`).
- Clinic staff grant a parent, guardian or power of attorney access to an existing account after
  checking identity and documents (`proxy_access_grant`).
- The patient cancels an invitation (`invitation_cancel`) or ends someone's access
  (`relationship_end`); staff end any relationship of their clinic's patients.

Whether a relationship gives access is decided in `lantern.access.policy` alone, on every
request; these functions only move a relationship from one status to the next, with a
conditional UPDATE so a repeated or concurrent request changes nothing the second time. Every
change is audited in its transaction, as "ProxyRelationship" with the relationship's id.

The invitation's token exists only in the email: it is made here, its SHA-256 hash is stored,
and the email leaves after the transaction commits. It is never logged or written anywhere else.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import secrets
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from lantern.access.models import (
    LIVE_PROXY_STATUSES,
    ProxyInvitation,
    ProxyKind,
    ProxyPermission,
    ProxyRelationship,
    ProxyStatus,
)
from lantern.access.policy import PatientAccess, age_on
from lantern.accounts.services import email_verification_start
from lantern.audit.models import ActorRole, AuditAction
from lantern.audit.services import audit_event_record
from lantern.core.language import language_for
from lantern.enrollment.models import TermsVersion
from lantern.enrollment.services import terms_accept
from lantern.fhir_api.services import app_authorizations_end_for_relationship
from lantern.notifications.models import NotificationKind
from lantern.notifications.senders import EmailSender
from lantern.notifications.services import absolute_url, notification_send
from lantern.results.templatetags.lantern_dates import day as day_words

from .models import ProxySubmission
from .selectors import invitation_is_usable, patient_may_invite

logger = logging.getLogger(__name__)

OBJECT_TYPE = "ProxyRelationship"
# The kinds staff record after checking documents; a caregiver is invited by the patient.
STAFF_GRANTED_KINDS = (ProxyKind.PARENT, ProxyKind.LEGAL_GUARDIAN, ProxyKind.POWER_OF_ATTORNEY)

INVITATION_UNUSABLE = _(
    "This invitation can no longer be used. It may have been used already, cancelled, or it may "
    "have expired. Ask the person who invited you to send a new one."
)
OWN_INVITATION = _(
    "This is an invitation you sent. The person you invited must open it while signed in to "
    "their own account."
)
ALREADY_HAS_ACCESS = _("You already have access to this person's record.")
NOT_AN_ADULT = _(
    "Only patients who are %(age)s or older can invite someone. Ask your clinic for help."
)
END_DATE_NOT_FUTURE = _("Choose an end date after today, or leave it empty.")
NO_PERMISSIONS = _("Choose at least one thing they may help with.")


class FamilyError(Exception):
    """A change that cannot be made, with the plain-language reason (and the form field it is
    about, when there is one)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def invitation_token_hash(token: str) -> str:
    """What is stored of an invitation's token."""
    return hashlib.sha256(token.encode()).hexdigest()


# The patient invites a caregiver.


def caregiver_invite(
    *,
    access: PatientAccess,
    email: str,
    reason: str,
    permissions: ProxyPermission,
    ends_on: dt.date | None,
    submission_id: uuid.UUID,
) -> ProxyRelationship:
    """Make a pending caregiver relationship and email its single-use link to `email`.

    Only the patient themselves, of age (`patient_may_invite`). Sending the same `submission_id`
    again returns the first relationship and sends nothing more.
    """
    earlier = _submitted_before(access.user, submission_id)
    if earlier is not None:
        return earlier
    if access.role != ActorRole.SELF:
        raise FamilyError(_("Only the patient can invite someone to their record."))
    today = timezone.localdate()
    if not patient_may_invite(patient=access.patient, today=today):
        raise FamilyError(NOT_AN_ADULT % {"age": settings.PROXY_ADULT_AGE})
    if not permissions:
        raise FamilyError(NO_PERMISSIONS, field="permissions")
    if ends_on is not None and ends_on <= today:
        raise FamilyError(END_DATE_NOT_FUTURE, field="ends_on")
    try:
        relationship = _invitation_send(
            access,
            email=email,
            submission_id=submission_id,
            kind=ProxyKind.CAREGIVER,
            permissions=int(permissions),
            starts_on=today,
            ends_on=ends_on,
            reason=reason,
        )
    except IntegrityError:
        # The same form was sent twice at once and the other request won: use its result.
        winner = _submitted_before(access.user, submission_id)
        if winner is None:
            raise
        return winner
    return relationship


def _invitation_send(
    access: PatientAccess, *, email: str, submission_id: uuid.UUID, **relationship_fields
) -> ProxyRelationship:
    """A pending relationship with its single-use link, emailed once the transaction commits
    (the token exists only in that email; the database keeps its hash)."""
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        relationship = ProxyRelationship.objects.create(
            patient=access.patient,
            status=ProxyStatus.PENDING,
            granted_by=access.user,
            granted_at=now,
            **relationship_fields,
        )
        ProxyInvitation.objects.create(
            relationship=relationship,
            email=email,
            token_hash=invitation_token_hash(token),
            expires_at=now + dt.timedelta(days=settings.PROXY_INVITATION_DAYS),
        )
        ProxySubmission.objects.create(
            submission_id=submission_id, created_by=access.user, relationship=relationship
        )
        _audit(access.user, relationship, access.role, AuditAction.CREATE)
        subject, body = _invitation_email(access, token)
        transaction.on_commit(
            functools.partial(_email_send, to=email, subject=subject, body=body), robust=True
        )
    return relationship


def _invitation_email(access: PatientAccess, token: str) -> tuple[str, str]:
    # The clinic and the patient's first name only: no surname, no health data.
    context = {
        "clinic_name": settings.CLINIC_NAME,
        "first_name": (access.patient.given_names.split() or [_("A patient")])[0],
        "link": absolute_url(reverse("family:invitation_link", kwargs={"token": token})),
        "days": settings.PROXY_INVITATION_DAYS,
        "security_tips_url": absolute_url(reverse("accounts:security_tips")),
    }
    # The invitee's language is not known yet: the invitation is written in the inviter's.
    with translation.override(language_for(access.user)):
        subject = render_to_string("family/email/invitation_subject.txt", context)
        body = render_to_string("family/email/invitation_body.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


def _email_send(*, to: str, subject: str, body: str) -> None:
    try:
        EmailSender().send(to=to, subject=subject, body=body)
    except Exception as error:
        # The error's class only: a mail server may quote the message, and it holds the link.
        logger.warning("An invitation email could not be sent (%s).", type(error).__name__)


def _submitted_before(user: AbstractBaseUser, submission_id: uuid.UUID) -> ProxyRelationship | None:
    submission = (
        ProxySubmission.objects.select_related("relationship")
        .filter(submission_id=submission_id, created_by=user)
        .first()
    )
    return submission.relationship if submission is not None else None


# The invitee answers.


def invitation_accept(*, user: AbstractBaseUser, invitation_id: int) -> ProxyRelationship:
    """Make the signed-in `user` the proxy of the invitation's patient, from today.

    One transaction: the invitation is claimed with a conditional UPDATE, so a second use (a
    double click, a forwarded link) changes nothing and raises FamilyError, as does an expired or
    cancelled invitation, the patient's own account, or an account that already has access.
    """
    now = timezone.now()
    today = timezone.localdate()
    try:
        with transaction.atomic():
            relationship = _invitation_claim(user, invitation_id, now=now, today=today)
            if ProxyRelationship.objects.filter(
                proxy=user, patient_id=relationship.patient_id, status__in=LIVE_PROXY_STATUSES
            ).exists():
                raise FamilyError(ALREADY_HAS_ACCESS)
            _status_move(
                relationship,
                ProxyStatus.PENDING,
                proxy=user,
                status=ProxyStatus.ACTIVE,
                # A start date the clinic set in the future stays; otherwise from today.
                starts_on=max(today, relationship.starts_on),
            )
            _audit(user, relationship, ActorRole.PROXY, AuditAction.UPDATE)
    except IntegrityError as error:
        # Another request made this account a proxy of the same patient at the same moment.
        raise FamilyError(ALREADY_HAS_ACCESS) from error
    relationship.refresh_from_db()
    return relationship


def invitation_decline(*, user: AbstractBaseUser, invitation_id: int) -> ProxyRelationship:
    """Decline the invitation: it can no longer be used, and the patient sees it was declined."""
    now = timezone.now()
    with transaction.atomic():
        relationship = _invitation_claim(user, invitation_id, now=now, today=timezone.localdate())
        _status_move(
            relationship,
            ProxyStatus.PENDING,
            status=ProxyStatus.DECLINED,
            ended_at=now,
            ended_by=user,
            end_reason=gettext_noop("Declined by the person invited"),
        )
        _audit(user, relationship, ActorRole.PROXY, AuditAction.UPDATE)
    relationship.refresh_from_db()
    return relationship


def _invitation_claim(
    user: AbstractBaseUser, invitation_id: int, *, now: dt.datetime, today: dt.date
) -> ProxyRelationship:
    invitation = (
        ProxyInvitation.objects.select_related("relationship").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation_is_usable(invitation, now=now, today=today):
        raise FamilyError(INVITATION_UNUSABLE)
    if user.patient_id is not None and user.patient_id == invitation.relationship.patient_id:
        raise FamilyError(OWN_INVITATION)
    claimed = ProxyInvitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not claimed:
        raise FamilyError(INVITATION_UNUSABLE)
    return invitation.relationship


def _status_move(relationship: ProxyRelationship, from_status: str, **changes) -> None:
    moved = ProxyRelationship.objects.filter(pk=relationship.pk, status=from_status).update(
        **changes
    )
    if not moved:
        raise FamilyError(INVITATION_UNUSABLE)


# An account for someone invited who has none.


def invitee_account_create(
    *,
    invitation_id: int,
    username: str,
    email: str,
    password: str,
    terms_version: TermsVersion,
) -> AbstractBaseUser:
    """Create an account that is no one's patient record, for the holder of a usable invitation.

    The same password rules (checked by the form), terms of use and email confirmation as every
    account; the second factor is set up right after, as for everyone. Nothing is linked yet:
    the relationship starts only when the new account accepts.
    """
    now = timezone.now()
    invitation = (
        ProxyInvitation.objects.select_related("relationship").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation_is_usable(
        invitation, now=now, today=timezone.localdate()
    ):
        raise FamilyError(INVITATION_UNUSABLE)
    user = get_user_model()(username=username, email=email)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            terms_accept(user=user, version=terms_version)
            email_verification_start(user=user)
    except IntegrityError as error:
        raise FamilyError(
            _("That username is taken. Choose another one."), field="username"
        ) from error
    return user


# Staff grant access after checking documents.


def proxy_access_grant(
    *,
    access: PatientAccess,
    account_name: str,
    kind: str,
    permissions: ProxyPermission,
    starts_on: dt.date,
    ends_on: dt.date | None,
    reason: str,
    identity_checked: str,
    submission_id: uuid.UUID,
) -> ProxyRelationship:
    """Give an existing account (named by username or email) active access to the patient, or,
    when no account has that email address, send it an invitation: the relationship waits,
    pending, for the person to create an account and accept, as a patient's invitation does.

    Only the patient's clinic staff. `identity_checked` says what was checked; it is required.
    Sending the same `submission_id` again returns the first relationship.
    """
    earlier = _submitted_before(access.user, submission_id)
    if earlier is not None:
        return earlier
    if access.role != ActorRole.STAFF:
        raise FamilyError("Only the patient's clinic can record this.")
    if kind not in STAFF_GRANTED_KINDS:
        raise FamilyError("Choose the kind of relationship.", field="kind")
    if not identity_checked.strip():
        raise FamilyError("Say what you checked.", field="identity_checked")
    if not permissions:
        raise FamilyError(NO_PERMISSIONS, field="permissions")
    today = timezone.localdate()
    if ends_on is not None and (ends_on < starts_on or ends_on < today):
        raise FamilyError(
            "Choose an end date after the start date and not in the past.", field="ends_on"
        )
    age = age_on(access.patient.birth_date, today)
    if kind == ProxyKind.PARENT and age is not None and age >= settings.PROXY_ADULT_AGE:
        raise FamilyError(
            f"This patient is {age}: a parent's access ends at {settings.PROXY_ADULT_AGE}. "
            "Record a legal guardian or a power of attorney instead.",
            field="kind",
        )
    account = _account_named(account_name, invite_unknown_email=True)
    if account is None:
        try:
            return _invitation_send(
                access,
                email=account_name.strip(),
                submission_id=submission_id,
                kind=kind,
                permissions=int(permissions),
                starts_on=starts_on,
                ends_on=ends_on,
                reason=reason,
                identity_checked=identity_checked,
            )
        except IntegrityError:
            winner = _submitted_before(access.user, submission_id)
            if winner is None:
                raise
            return winner
    if account.patient_id is not None and account.patient_id == access.patient.pk:
        raise FamilyError("That is the patient's own account.", field="account")
    if ProxyRelationship.objects.filter(
        proxy=account, patient=access.patient, status__in=LIVE_PROXY_STATUSES
    ).exists():
        raise FamilyError(
            "That account already has access to this patient. End it first to record a new one.",
            field="account",
        )
    try:
        with transaction.atomic():
            relationship = ProxyRelationship.objects.create(
                proxy=account,
                patient=access.patient,
                kind=kind,
                permissions=int(permissions),
                starts_on=starts_on,
                ends_on=ends_on,
                status=ProxyStatus.ACTIVE,
                granted_by=access.user,
                granted_at=timezone.now(),
                reason=reason,
                identity_checked=identity_checked,
            )
            ProxySubmission.objects.create(
                submission_id=submission_id, created_by=access.user, relationship=relationship
            )
            _audit(access.user, relationship, access.role, AuditAction.CREATE)
    except IntegrityError as error:
        winner = _submitted_before(access.user, submission_id)
        if winner is not None:
            return winner
        raise FamilyError(
            "That account already has access to this patient.", field="account"
        ) from error
    return relationship


def _account_named(name: str, *, invite_unknown_email: bool = False) -> AbstractBaseUser | None:
    """The one active account with that username or email; None for an email address no account
    has when the caller will invite it instead."""
    name = name.strip()
    accounts = list(
        get_user_model()
        .objects.filter(Q(username__iexact=name) | Q(email__iexact=name), is_active=True)
        .order_by("pk")[:2]
    )
    exact = [account for account in accounts if account.get_username().lower() == name.lower()]
    if len(exact) == 1:
        return exact[0]
    if len(accounts) == 1:
        return accounts[0]
    if accounts:
        raise FamilyError(
            "More than one account has that email address. Enter the username.", field="account"
        )
    if invite_unknown_email and _is_email_address(name):
        return None
    raise FamilyError(
        "No account has that username or email address. Enter their email address to send "
        "them an invitation.",
        field="account",
    )


def _is_email_address(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


# Ending.


def invitation_cancel(*, access: PatientAccess, relationship_id: int) -> bool:
    """The patient cancels a pending invitation; its link stops working. False when there was
    nothing to cancel (already answered, or cancelled by an earlier click)."""
    if access.role != ActorRole.SELF:
        raise FamilyError(_("Only the patient can cancel their invitations."))
    return _close(
        access,
        relationship_id,
        from_statuses=(ProxyStatus.PENDING,),
        reason=gettext_noop("Invitation cancelled by the patient"),
    )


def relationship_end(*, access: PatientAccess, relationship_id: int, reason: str = "") -> bool:
    """End someone's access: the patient (of age) their proxies', staff any relationship of
    their clinic's patient (a pending one too). The proxy's very next request is refused: the
    policy reads the status on every request. False when it had already ended."""
    if access.role == ActorRole.SELF:
        if not patient_may_invite(patient=access.patient, today=timezone.localdate()):
            raise FamilyError(_("Ask your clinic to change who can see your record."))
        from_statuses: tuple[str, ...] = (ProxyStatus.ACTIVE,)
    elif access.role == ActorRole.STAFF:
        from_statuses = LIVE_PROXY_STATUSES
    else:
        raise FamilyError(_("Only the patient or their clinic can end someone's access."))
    default = (
        gettext_noop("Ended by the patient")
        if access.role == ActorRole.SELF
        else gettext_noop("Ended by the clinic")
    )
    return _close(access, relationship_id, from_statuses=from_statuses, reason=reason or default)


def _close(
    access: PatientAccess, relationship_id: int, *, from_statuses: tuple[str, ...], reason: str
) -> bool:
    with transaction.atomic():
        relationship = ProxyRelationship.objects.filter(
            pk=relationship_id, patient=access.patient, status__in=from_statuses
        ).first()
        if relationship is None:
            return False
        moved = ProxyRelationship.objects.filter(
            pk=relationship.pk, status=relationship.status
        ).update(
            status=ProxyStatus.REVOKED,
            ended_at=timezone.now(),
            ended_by=access.user,
            end_reason=reason[:300],
        )
        if not moved:
            return False
        if relationship.proxy_id is not None:
            # The apps the proxy connected to this person's record lose access with them.
            app_authorizations_end_for_relationship(
                proxy=relationship.proxy, patient=relationship.patient
            )
        _audit(access.user, relationship, access.role, AuditAction.UPDATE)
    return True


def _audit(
    actor: AbstractBaseUser,
    relationship: ProxyRelationship,
    role: ActorRole,
    action: AuditAction,
) -> None:
    audit_event_record(
        actor=actor,
        patient=relationship.patient,
        role=role,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=str(relationship.pk),
    )


# -- Birthdays that change a parent's access ----------------------------------------------------

# How long before a child's birthday changes a parent's access both are told.
AGE_CHANGE_NOTICE_DAYS = 30


def _years_later(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (earlier when negative); 29 February falls on 1 March."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def age_changes_announce(*, today: dt.date | None = None) -> int:
    """Tell parents, and the child's own account, once and AGE_CHANGE_NOTICE_DAYS ahead, that a
    birthday (PROXY_TEEN_AGE or PROXY_ADULT_AGE) is about to change what the parent sees.

    The change itself needs no job: the policy computes it from the birth date on every request.
    Each notice is keyed by relationship, age and account, so a rerun sends nothing again. The
    message names no one (no PHI in email): it says a change comes on that day and to sign in.
    Returns how many notices were queued.
    """
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=AGE_CHANGE_NOTICE_DAYS)
    ages = (settings.PROXY_TEEN_AGE, settings.PROXY_ADULT_AGE)
    born_in_window = Q()
    for age in ages:
        # A day wider on each side than the window (29 February); the loop below decides.
        born_in_window |= Q(
            patient__birth_date__gte=_years_later(today, -age) - dt.timedelta(days=1),
            patient__birth_date__lte=_years_later(horizon, -age) + dt.timedelta(days=1),
        )
    relationships = ProxyRelationship.objects.filter(
        born_in_window, kind=ProxyKind.PARENT, status=ProxyStatus.ACTIVE
    ).select_related("proxy", "patient")
    sent = 0
    for relationship in relationships:
        for age in ages:
            day = _years_later(relationship.patient.birth_date, age)
            if today <= day <= horizon:
                sent += _age_change_notices(relationship, age=age, day=day)
    return sent


def _day_for(account: AbstractBaseUser, day: dt.date) -> str:
    """The day as the account reads dates: "Nov 29, 2026", or "29 nov 2026" in Spanish."""
    with translation.override(language_for(account)):
        return day_words(day)


def _age_change_notices(relationship: ProxyRelationship, *, age: int, day: dt.date) -> int:
    """The notices of one coming birthday: to the parent and to the child's own account."""
    recipients = [(relationship.proxy, "/people/")] + [
        (account, "/account/family/")
        for account in get_user_model().objects.filter(patient=relationship.patient, is_active=True)
    ]
    sent = 0
    for account, path in recipients:
        if account is None or not account.is_active or not account.has_verified_email:
            continue
        sent += len(
            notification_send(
                kind=NotificationKind.FAMILY_ACCESS_CHANGING,
                email=account.email,
                context={
                    "link": absolute_url(path),
                    "date": _day_for(account, day),
                    "teen_age": settings.PROXY_TEEN_AGE,
                    "adult_age": settings.PROXY_ADULT_AGE,
                },
                language=language_for(account),
                dedupe_key=f"family-age:{relationship.pk}:{age}:{account.pk}",
            )
        )
    return sent
