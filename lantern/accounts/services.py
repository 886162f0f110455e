"""Account writes: sign-in records, sessions, recovery, email confirmation and contact changes.

Every message goes through the notifications outbox in the same transaction as the change.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from lantern.audit.models import AuditAction, AuditOutcome
from lantern.audit.services import security_event_record
from lantern.core.language import language_for
from lantern.notifications.models import NotificationKind
from lantern.notifications.services import absolute_url, notification_send

from . import selectors
from .devices import approximate_place, device_label
from .models import (
    EmailVerification,
    EmailVerificationStatus,
    KnownDevice,
    PasswordFailureCount,
    SignInEvent,
    User,
    UserSession,
)

if TYPE_CHECKING:
    from lantern.access.policy import PatientAccess

EMAIL_VERIFICATION_LIFETIME = timedelta(days=3)
# How often a session's "last active" time is written: at most once a minute.
LAST_SEEN_GRANULARITY = timedelta(minutes=1)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_device_id() -> str:
    return secrets.token_urlsafe(32)


# Email confirmation.


def email_verification_start(*, user: User) -> None:
    """Send a one-time link that confirms `user.email`; an earlier pending link stops working."""
    if not user.email:
        return
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        EmailVerification.objects.filter(user=user, status=EmailVerificationStatus.PENDING).update(
            status=EmailVerificationStatus.REPLACED
        )
        EmailVerification.objects.create(
            user=user,
            email=user.email,
            token_hash=sha256_hex(token),
            created_at=now,
            expires_at=now + EMAIL_VERIFICATION_LIFETIME,
        )
        link = absolute_url(reverse("accounts:verify_email", kwargs={"token": token}))
        notification_send(
            kind=NotificationKind.EMAIL_VERIFICATION,
            email=user.email,
            context={"link": link},
            language=language_for(user),
        )


def email_verification_confirm(*, token: str) -> User | None:
    """Use a confirmation link once. Returns the confirmed account, or None if the link is not
    valid (unknown, used, replaced, expired, or the account's address has changed since)."""
    now = timezone.now()
    with transaction.atomic():
        verification = (
            EmailVerification.objects.select_related("user")
            .filter(token_hash=sha256_hex(token))
            .first()
        )
        if verification is None:
            return None
        # The conditional update is the claim: a second click finds the link already used.
        claimed = EmailVerification.objects.filter(
            pk=verification.pk, status=EmailVerificationStatus.PENDING, expires_at__gt=now
        ).update(status=EmailVerificationStatus.USED, used_at=now)
        user = verification.user
        if not claimed or user.email.lower() != verification.email.lower():
            return None
        User.objects.filter(pk=user.pk).update(email_verified_at=now)
        user.email_verified_at = now
        return user


# Signing in and sessions.


@dataclass(frozen=True)
class SignInRecord:
    session: UserSession
    event: SignInEvent
    # The device cookie's value: the one sent, or a new one to set.
    device_id: str


def sign_in_record(
    *,
    user: User,
    session_key: str,
    ip_address: str | None,
    user_agent: str,
    device_id: str | None,
) -> SignInRecord:
    """Record the password step and its session; tell the account by email when it comes from
    a device it has not signed in from before (but not on its very first sign-in).

    The email goes out now, not after the second step: a correct password from a stranger's
    device is the thing worth knowing. `sign_in_complete` marks the second step."""
    now = timezone.now()
    device_id = device_id or new_device_id()
    label = device_label(user_agent)
    place = approximate_place(ip_address)
    with transaction.atomic():
        has_devices = KnownDevice.objects.filter(user=user).exists()
        device, created = KnownDevice.objects.get_or_create(
            user=user,
            device_id_hash=sha256_hex(device_id),
            defaults={"first_seen_at": now, "last_seen_at": now},
        )
        if not created:
            KnownDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
        event = SignInEvent.objects.create(
            user=user,
            at=now,
            ip_address=ip_address,
            device_label=label,
            place=place,
            new_device=created and has_devices,
            device=device,
        )
        session = UserSession.objects.create(
            user=user,
            session_key_hash=sha256_hex(session_key),
            created_at=now,
            last_seen_at=now,
            ip_address=ip_address,
            user_agent=user_agent[:400],
            device_label=label,
            place=place,
        )
        if event.new_device and user.has_verified_email:
            notification_send(
                kind=NotificationKind.NEW_DEVICE_SIGN_IN,
                email=user.email,
                context={"device": label, "when": now},
                dedupe_key=f"new-device-sign-in:{event.pk}",
                language=language_for(user),
            )
    return SignInRecord(session=session, event=event, device_id=device_id)


def sign_in_complete(*, user: User, sign_in_event_id: str) -> bool:
    """Mark a sign-in as having passed the second step, and its browser as one the account
    has fully signed in from. Returns whether this call marked it (it does so only once)."""
    now = timezone.now()
    with transaction.atomic():
        # The conditional update makes a repeated call (a passkey after a code, a retried
        # request) leave the first time alone.
        marked = SignInEvent.objects.filter(
            pk=sign_in_event_id, user=user, second_factor_at__isnull=True
        ).update(second_factor_at=now)
        if marked:
            KnownDevice.objects.filter(user=user, sign_in_events=sign_in_event_id).update(
                last_signed_in_at=now
            )
            security_event_record(
                action=AuditAction.SIGN_IN,
                subject=user,
                actor=user,
                object_type="sign_in",
                object_id=sign_in_event_id,
            )
    return bool(marked)


def session_touch(*, session_id: str, force: bool = False) -> None:
    """Note that a session is in use; written at most once a minute unless `force`."""
    now = timezone.now()
    sessions = UserSession.objects.filter(pk=session_id, ended_at__isnull=True)
    if not force:
        sessions = sessions.filter(last_seen_at__lt=now - LAST_SEEN_GRANULARITY)
    sessions.update(last_seen_at=now)


def session_end(*, session_id: str) -> None:
    UserSession.objects.filter(pk=session_id, ended_at__isnull=True).update(ended_at=timezone.now())


def sessions_end_all(*, user: User, except_session_id: str | None = None) -> datetime:
    """End every session of the account (but one, if named) and stop trusting its browsers for
    the second factor ("sign out everywhere"). Returns the moment used: a session that began
    before it and was not kept is signed out by the session middleware."""
    with transaction.atomic():
        now = _sessions_end(user=user, except_session_id=except_session_id)
        # One event for the one action; the trusted browsers it also forgets are part of it.
        security_event_record(
            action=AuditAction.SESSION_REVOKED,
            subject=user,
            actor=user,
            object_type="session",
            object_id="all-but-this" if except_session_id else "all",
        )
    return now


def _sessions_end(*, user: User, except_session_id: str | None = None) -> datetime:
    """End the sessions and forget the trusted browsers, writing no event of its own: a
    password change or reset records itself, and its ending of sessions is part of it."""
    from lantern.mfa.services import trusted_devices_revoke

    now = timezone.now()
    with transaction.atomic():
        trusted_devices_revoke(user=user)
        User.objects.filter(pk=user.pk).update(sessions_ended_at=now)
        user.sessions_ended_at = now
        UserSession.objects.filter(user=user, ended_at__isnull=True).exclude(
            pk=except_session_id
        ).update(ended_at=now)
    return now


# Recovery.


def username_reminder_request(*, email: str, request_key: str) -> None:
    """Email the username of each account whose confirmed address is `email`; nothing if none.

    `request_key` comes from the form, so sending the same form twice sends one email.
    """
    with transaction.atomic():
        for user in selectors.users_with_verified_email(email=email):
            notification_send(
                kind=NotificationKind.USERNAME_REMINDER,
                email=user.email,
                context={"username": user.get_username()},
                dedupe_key=f"username-reminder:{user.pk}:{sha256_hex(request_key)}",
                language=language_for(user),
            )


def password_reset_link(*, user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute_url(reverse("accounts:reset_password", kwargs={"uidb64": uid, "token": token}))


def password_reset_request(*, email_or_username: str, request_key: str) -> None:
    """Email a one-hour, one-time reset link to the confirmed address of the matching account(s).

    The link stops working once the password changes (Django's token includes the password hash)
    or after settings.PASSWORD_RESET_TIMEOUT.
    """
    with transaction.atomic():
        for user in selectors.user_for_recovery(email_or_username=email_or_username):
            notification_send(
                kind=NotificationKind.PASSWORD_RESET,
                email=user.email,
                context={"link": password_reset_link(user=user)},
                dedupe_key=f"password-reset:{user.pk}:{sha256_hex(request_key)}",
                language=language_for(user),
            )


def password_reset_complete(*, user: User, new_password: str) -> None:
    """Set the new password, end every session of the account and send a notice."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _sessions_end(user=user)
        # Whoever held the emailed link acted, signed out: the event names no actor.
        security_event_record(
            action=AuditAction.PASSWORD_CHANGED, subject=user, actor=None, object_id="reset"
        )
        # The emailed link proves the account's address: it lifts a pause after many failures.
        account_unpause(user=user, actor=None, reason="password_reset")
        _password_changed_notice(user=user)


def password_change(*, user: User, new_password: str, keep_session_id: str | None) -> None:
    """Change the password from settings: every other session ends; this one is kept by the
    caller (update_session_auth_hash)."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _sessions_end(user=user, except_session_id=keep_session_id)
        security_event_record(
            action=AuditAction.PASSWORD_CHANGED, subject=user, actor=user, object_id="settings"
        )
        _password_changed_notice(user=user)


def _password_changed_notice(*, user: User) -> None:
    if user.has_verified_email:
        notification_send(
            kind=NotificationKind.PASSWORD_CHANGED, email=user.email, language=language_for(user)
        )


# Contact details.


def email_change(*, user: User, email: str) -> None:
    """Change the address: the old confirmed address is told, the new one must be confirmed."""
    old_email = user.email if user.has_verified_email else ""
    with transaction.atomic():
        user.email = email
        user.email_verified_at = None
        user.save(update_fields=["email", "email_verified_at"])
        security_event_record(action=AuditAction.EMAIL_CHANGED, subject=user, actor=user)
        if old_email and old_email.lower() != email.lower():
            notification_send(
                kind=NotificationKind.CONTACT_CHANGED, email=old_email, language=language_for(user)
            )
        email_verification_start(user=user)


def body_units_set(*, user: User, body_units: str) -> None:
    """Units for weight and height on this account's pages (a display choice, not audited)."""
    user.body_units = body_units
    user.save(update_fields=["body_units"])


def preferred_language_set(*, user: User, language: str) -> None:
    """The language of this account's pages, emails and text messages (a display choice, not
    audited, like the units)."""
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])


def phone_change(*, user: User, phone: str) -> None:
    with transaction.atomic():
        user.phone = phone
        user.save(update_fields=["phone"])
        security_event_record(action=AuditAction.PHONE_CHANGED, subject=user, actor=user)
        if user.has_verified_email:
            notification_send(
                kind=NotificationKind.CONTACT_CHANGED, email=user.email, language=language_for(user)
            )


# Failures in a row and the pauses they lead to (NIST SP 800-63B 5.2.2).


def password_failure_record(*, username: str) -> bool:
    """Count a wrong password typed for `username`, a real account's or not, and pause its
    password step at settings.ACCOUNT_PAUSE_AFTER_FAILURES. Returns whether it is paused.

    Audited as a failed sign-in naming the account if it exists; neither the typed password
    nor an unknown username is stored anywhere.
    """
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
    now = timezone.now()
    with transaction.atomic():
        count, _ = PasswordFailureCount.objects.select_for_update().get_or_create(
            username_digest=selectors.username_digest(username), defaults={"last_failed_at": now}
        )
        count.failures += 1
        count.last_failed_at = now
        newly_paused = (
            count.paused_at is None and count.failures >= settings.ACCOUNT_PAUSE_AFTER_FAILURES
        )
        if newly_paused:
            count.paused_at = now
        count.save()
        security_event_record(
            action=AuditAction.SIGN_IN_FAILED,
            subject=user,
            actor=None,
            outcome=AuditOutcome.DENIED,
            object_id="password",
        )
        if newly_paused and user is not None:
            security_event_record(
                action=AuditAction.ACCOUNT_FROZEN, subject=user, actor=None, object_id="password"
            )
    return count.paused_at is not None


def sign_in_lockout_record(*, username: str) -> None:
    """Audit a sign-in refused by a lock (django-axes' user_locked_out: the attempt that locks
    the username and each one refused while it is locked), naming the account if it exists."""
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    security_event_record(
        action=AuditAction.LOCKED_OUT, subject=user, actor=None, outcome=AuditOutcome.DENIED
    )


def password_failures_clear(*, user: User) -> None:
    """A right password ends the run of wrong ones (a paused step never gets this far)."""
    PasswordFailureCount.objects.filter(
        username_digest=selectors.username_digest(user.get_username()), paused_at__isnull=True
    ).delete()


def second_factor_failure_record(*, user: User, method: str) -> bool:
    """Count a wrong second-factor code and pause the second step at
    settings.ACCOUNT_PAUSE_AFTER_FAILURES. Returns whether it is paused."""
    now = timezone.now()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.second_factor_failures += 1
        newly_paused = (
            locked.second_factor_paused_at is None
            and locked.second_factor_failures >= settings.ACCOUNT_PAUSE_AFTER_FAILURES
        )
        if newly_paused:
            locked.second_factor_paused_at = now
        locked.save(update_fields=["second_factor_failures", "second_factor_paused_at"])
        user.second_factor_failures = locked.second_factor_failures
        user.second_factor_paused_at = locked.second_factor_paused_at
        # Someone who knew the password typed it; who they are is what is in question.
        security_event_record(
            action=AuditAction.SECOND_FACTOR_FAILED,
            subject=user,
            actor=None,
            outcome=AuditOutcome.DENIED,
            object_type="second_factor",
            object_id=method,
        )
        if newly_paused:
            security_event_record(
                action=AuditAction.ACCOUNT_FROZEN,
                subject=user,
                actor=None,
                object_id="second_factor",
            )
    return locked.second_factor_paused_at is not None


def second_factor_failures_clear(*, user: User) -> None:
    """A right code ends the run of wrong ones (a paused step never gets this far)."""
    if user.second_factor_failures:
        User.objects.filter(pk=user.pk, second_factor_paused_at__isnull=True).update(
            second_factor_failures=0
        )
        user.second_factor_failures = 0


def account_unpause(*, user: User, actor: User | None, reason: str) -> bool:
    """Lift the pauses of both steps and forget the failure counts. Audited when something was
    paused. `reason` names how: "password_reset" (by email) or "staff".

    Returns whether anything was paused."""
    digest = selectors.username_digest(user.get_username())
    with transaction.atomic():
        counts = PasswordFailureCount.objects.filter(username_digest=digest)
        password_paused = counts.filter(paused_at__isnull=False).exists()
        counts.delete()
        second_factor_paused = (
            User.objects.filter(pk=user.pk, second_factor_paused_at__isnull=False).update(
                second_factor_failures=0, second_factor_paused_at=None
            )
            > 0
        )
        User.objects.filter(pk=user.pk).update(second_factor_failures=0)
        user.second_factor_failures, user.second_factor_paused_at = 0, None
        if password_paused or second_factor_paused:
            security_event_record(
                action=AuditAction.ACCOUNT_UNFROZEN, subject=user, actor=actor, object_id=reason
            )
    return password_paused or second_factor_paused


def account_unpause_for_patient(*, actor: User, access: PatientAccess) -> bool:
    """Staff of the patient's clinic lift the pauses of the patient's own account (after
    checking who is calling, by phone or at the desk). `access` comes from the access policy,
    so only staff who may act for this patient get here. Returns whether anything was paused."""
    user = User.objects.filter(patient=access.patient).first()
    if user is None:
        return False
    return account_unpause(user=user, actor=actor, reason="staff")
