"""Second factors: setting them up, checking codes, backup codes and trusted browsers.

Codes are single use and expire: the authenticator app refuses a time step it has accepted
before (django-otp's `last_t`), a backup code is deleted when used, and an email or text code is
cleared when used and lasts 10 minutes. Email and text codes, and backup codes, are kept only as
keyed hashes. Wrong codes are throttled twice: django-otp's growing delay per device, and a cap
of `FAILURE_LIMIT` wrong codes per account in `FAILURE_WINDOW`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import django_otp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.models import Device
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from user_agents import parse as parse_user_agent

from lantern.accounts import services as account_services
from lantern.accounts.sign_in import sign_in_completed
from lantern.audit.models import AuditAction
from lantern.audit.services import security_event_record
from lantern.core.language import language_for
from lantern.notifications.models import NotificationKind
from lantern.notifications.services import notification_send

from .models import SecondFactorEvent, SecondFactorEventKind, SmsDevice, TrustedDevice
from .selectors import (
    BACKUP_DEVICE_NAME,
    METHOD_MODELS,
    MethodKind,
    SignInMethod,
    email_is_verified,
    phone_number,
    sign_in_methods,
)

CODE_VALIDITY = dt.timedelta(minutes=10)
SEND_INTERVAL = dt.timedelta(seconds=30)
SEND_LIMIT = 5
SEND_WINDOW = dt.timedelta(minutes=15)
FAILURE_LIMIT = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
BACKUP_CODE_COUNT = 10
# No 0/o, 1/l/i: easy to read off paper and type. 10 characters of 31 are about 49 bits.
BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
BACKUP_CODE_LENGTH = 10
TRUST_LIFETIME = dt.timedelta(days=30)
TRUST_COOKIE_NAME = settings.TRUSTED_DEVICE_COOKIE_NAME
TRUST_COOKIE_SALT = "lantern.mfa.trusted-device"


class CodeOutcome(Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    # Too many wrong codes lately: the account must wait until `retry_at`.
    WAIT = "wait"
    # The authenticator app's code for a moment it was already used for: a replay, refused but
    # not counted as a wrong code (it is no guess).
    REUSED = "reused"
    # ACCOUNT_PAUSE_AFTER_FAILURES wrong codes in a row: the second step waits for a password
    # reset by email or for the patient's clinic (NIST SP 800-63B 5.2.2).
    PAUSED = "paused"


@dataclass(frozen=True)
class CodeCheck:
    outcome: CodeOutcome
    device: Device | None = None
    retry_at: dt.datetime | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome is CodeOutcome.ACCEPTED


@dataclass(frozen=True)
class CodeSend:
    sent: bool
    retry_at: dt.datetime | None = None


@dataclass(frozen=True)
class NewBackupCodes:
    codes: list[str] = field(default_factory=list)


class LastMethodError(Exception):
    """The account's only sign-in method cannot be removed: it could not sign in any more."""


# Hashing the codes that are stored.


def _side_channel_hash(device: Device, code: str) -> str:
    # Keyed with SECRET_KEY and bound to the device, so a 6-digit code cannot be brute-forced
    # from the database alone. 16 hex characters fit django-otp's token column.
    value = salted_hmac("lantern.mfa.side-channel", f"{device.persistent_id}:{code.strip()}")
    return value.hexdigest()[:16]


def normalize_backup_code(code: str) -> str:
    return "".join(character for character in code.lower() if character.isalnum())


def backup_code_hash(code: str) -> str:
    value = salted_hmac("lantern.mfa.backup-code", normalize_backup_code(code))
    return value.hexdigest()[:16]


def new_backup_code() -> str:
    raw = "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


# Limits per account.


def _recent_events(*, user: Any, kind: SecondFactorEventKind, window: dt.timedelta) -> list:
    since = timezone.now() - window
    return list(
        SecondFactorEvent.objects.filter(user=user, kind=kind, created_at__gt=since)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


def failures_wait_until(*, user: Any) -> dt.datetime | None:
    """When the account may try a code again after too many wrong ones; None if it may now."""
    failures = _recent_events(
        user=user, kind=SecondFactorEventKind.CODE_REJECTED, window=FAILURE_WINDOW
    )
    if len(failures) < FAILURE_LIMIT:
        return None
    return failures[-FAILURE_LIMIT] + FAILURE_WINDOW


def _send_wait_until(*, user: Any) -> dt.datetime | None:
    sends = _recent_events(user=user, kind=SecondFactorEventKind.CODE_SENT, window=SEND_WINDOW)
    waits = []
    if sends and sends[-1] + SEND_INTERVAL > timezone.now():
        waits.append(sends[-1] + SEND_INTERVAL)
    if len(sends) >= SEND_LIMIT:
        waits.append(sends[-SEND_LIMIT] + SEND_WINDOW)
    return max(waits) if waits else None


# Sending email and text codes.


def code_send(*, user: Any, device: EmailDevice | SmsDevice) -> CodeSend:
    """Send a fresh 6-digit code to the device's address, unless one went out moments ago."""
    with transaction.atomic():
        # Serialize sends for the account, so a double-click cannot pass the limit twice.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        retry_at = _send_wait_until(user=user)
        if retry_at is not None:
            return CodeSend(sent=False, retry_at=retry_at)
        device.generate_token(valid_secs=int(CODE_VALIDITY.total_seconds()), commit=False)
        code = device.token
        device.token = _side_channel_hash(device, code)
        device.save()
        SecondFactorEvent.objects.create(user=user, kind=SecondFactorEventKind.CODE_SENT)
        if isinstance(device, EmailDevice):
            notification_send(
                kind=NotificationKind.SIGN_IN_CODE,
                email=device.email or user.email,
                context={"code": code},
                language=language_for(user),
            )
        else:
            notification_send(
                kind=NotificationKind.SIGN_IN_CODE,
                phone=device.phone,
                context={"code": code},
                language=language_for(user),
            )
    return CodeSend(sent=True)


# Checking codes.


def _code_for(device: Device, code: str) -> str:
    code = code.strip().replace(" ", "").replace("-", "")
    if isinstance(device, EmailDevice | SmsDevice):
        return _side_channel_hash(device, code)
    if isinstance(device, StaticDevice):
        return backup_code_hash(code)
    return code


def code_check(*, user: Any, device: Device, code: str) -> CodeCheck:
    """Check a typed code against one of the account's devices; a right code is used up.

    A right code ends the account's run of wrong ones; a wrong one is counted (and audited)
    towards the pause, except an app code replayed for a moment it was already used for.
    """
    if user.second_factor_paused_at is not None:
        return CodeCheck(CodeOutcome.PAUSED)
    retry_at = failures_wait_until(user=user)
    if retry_at is not None:
        return CodeCheck(CodeOutcome.WAIT, retry_at=retry_at)
    # django-otp locks the device row and runs the check in a transaction, so two submissions of
    # one code cannot both succeed.
    verified = django_otp.verify_token(user, device.persistent_id, _code_for(device, code))
    if verified is not None:
        account_services.second_factor_failures_clear(user=user)
        return CodeCheck(CodeOutcome.ACCEPTED, device=verified)
    if _is_reused_app_code(device, code):
        return CodeCheck(CodeOutcome.REUSED)
    SecondFactorEvent.objects.create(user=user, kind=SecondFactorEventKind.CODE_REJECTED)
    if account_services.second_factor_failure_record(user=user, method=_kind_of(device)):
        return CodeCheck(CodeOutcome.PAUSED)
    retry_at = failures_wait_until(user=user)
    if retry_at is not None:
        return CodeCheck(CodeOutcome.WAIT, retry_at=retry_at)
    return CodeCheck(CodeOutcome.WRONG)


def _is_reused_app_code(device: Device, code: str) -> bool:
    """Whether `code` is the authenticator app's right code for a time step the device has
    already accepted (django-otp refuses those: `last_t`)."""
    if not isinstance(device, TOTPDevice):
        return False
    current = TOTPDevice.objects.filter(pk=device.pk).first()
    try:
        token = int(code.strip().replace(" ", "").replace("-", ""))
    except ValueError:
        return False
    if current is None or current.last_t < 0:
        return False
    now_t = TOTP(current.bin_key, current.step, current.t0, current.digits, current.drift).t()
    return any(
        hotp(current.bin_key, t, digits=current.digits) == token
        for t in range(now_t - current.tolerance, now_t + current.tolerance + 1)
        if t <= current.last_t
    )


def session_verify(*, request: HttpRequest, device: Device) -> None:
    """Mark this session as having passed the second factor with `device`.

    Every way of passing it comes here: a code from the app, by email or by text, a backup code,
    a passkey (lantern.mfa.passkeys), a trusted browser and the first method set up. So this is
    also where the session's password step becomes a completed sign-in.
    """
    request.session.cycle_key()
    django_otp.login(request, device)
    sign_in_completed(request)


# Setting methods up.


def totp_device_pending(*, user: Any) -> TOTPDevice:
    """The account's authenticator-app device waiting for its first code (made if needed).

    Reloading the page shows the same QR code, so an app set up from it still matches.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def email_device_pending(*, user: Any) -> EmailDevice | None:
    """The account's email device waiting for its first code. The address need not be confirmed
    yet: typing back the code sent to it confirms it (see `method_confirm`)."""
    if not user.email:
        return None
    device = EmailDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None or device.email != user.email:
        EmailDevice.objects.filter(user=user, confirmed=False).delete()
        device = EmailDevice.objects.create(
            user=user, name="Email", email=user.email, confirmed=False
        )
    return device


def sms_device_pending(*, user: Any) -> SmsDevice | None:
    phone = phone_number(user)
    if not phone:
        return None
    device = SmsDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None or device.phone != phone:
        SmsDevice.objects.filter(user=user, confirmed=False).delete()
        device = SmsDevice.objects.create(
            user=user, name="Text message", phone=phone, confirmed=False
        )
    return device


def pending_device_for(*, user: Any, kind: MethodKind) -> Device | None:
    if kind == MethodKind.APP:
        return totp_device_pending(user=user)
    if kind == MethodKind.EMAIL:
        return email_device_pending(user=user)
    if kind == MethodKind.SMS:
        return sms_device_pending(user=user)
    return None


def method_confirm(*, user: Any, device: Device, code: str) -> tuple[CodeCheck, NewBackupCodes]:
    """Confirm a new method with its first code; the first method also gets backup codes."""
    retry_at = failures_wait_until(user=user)
    if retry_at is not None:
        return CodeCheck(CodeOutcome.WAIT, retry_at=retry_at), NewBackupCodes()
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk, user=user)
        if locked.confirmed:
            # A second submission of the same form: the first already confirmed it.
            return CodeCheck(CodeOutcome.ACCEPTED, device=locked), NewBackupCodes()
        if not locked.verify_token(_code_for(locked, code)):
            SecondFactorEvent.objects.create(user=user, kind=SecondFactorEventKind.CODE_REJECTED)
            return CodeCheck(CodeOutcome.WRONG), NewBackupCodes()
        locked.confirmed = True
        locked.save(update_fields=["confirmed"])
        if isinstance(locked, EmailDevice):
            _email_confirmed_by_code(user=user, device=locked)
        _factor_event(user=user, action=AuditAction.FACTOR_ADDED, kind=_kind_of(locked))
        new_codes = NewBackupCodes()
        # The first method's backup codes come with it: one action, one event.
        if not StaticToken.objects.filter(device__user=user).exists():
            new_codes = _backup_codes_replace(user=user)
    return CodeCheck(CodeOutcome.ACCEPTED, device=locked), new_codes


def _email_confirmed_by_code(*, user: Any, device: EmailDevice) -> None:
    """The code sent to the address came back, which proves the address as well as the
    confirmation link would: mark it confirmed if it is still the account's address."""
    if email_is_verified(user) or (device.email or "").lower() != user.email.lower():
        return
    now = timezone.now()
    get_user_model().objects.filter(pk=user.pk, email__iexact=device.email).update(
        email_verified_at=now
    )
    user.email_verified_at = now


def passkey_registered(*, user: Any) -> NewBackupCodes:
    """After a passkey is added: the first method also gets backup codes."""
    with transaction.atomic():
        _factor_event(user=user, action=AuditAction.FACTOR_ADDED, kind=MethodKind.PASSKEY)
        if StaticToken.objects.filter(device__user=user).exists():
            return NewBackupCodes()
        return _backup_codes_replace(user=user)


def backup_codes_create(*, user: Any) -> NewBackupCodes:
    """Ten new backup codes; the old ones stop working. The codes are returned once, here."""
    with transaction.atomic():
        _factor_event(user=user, action=AuditAction.FACTOR_ADDED, kind=BACKUP_CODES_KIND)
        return _backup_codes_replace(user=user)


def _backup_codes_replace(*, user: Any) -> NewBackupCodes:
    with transaction.atomic():
        device = StaticDevice.objects.filter(user=user).order_by("id").first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME)
        elif not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        StaticToken.objects.filter(device__user=user).delete()
        codes = [new_backup_code() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=backup_code_hash(code)) for code in codes
        )
    return NewBackupCodes(codes=codes)


def backup_codes_redraw(*, user: Any) -> NewBackupCodes:
    """Draw the first backup codes again, to show them on a page of their own.

    A passkey is added through a JSON request, whose answer cannot show codes, and codes are
    never kept in the session (a session row is readable by whoever reads the database). So the
    codes made with the first passkey are replaced here, when the page that shows them opens.
    They are still the codes that came with that passkey: no second event is written.
    """
    return _backup_codes_replace(user=user)


def backup_codes_set(*, user: Any, codes: list[str]) -> None:
    """Make exactly these the account's backup codes (for the demo accounts, whose codes are
    printed), keeping the device."""
    with transaction.atomic():
        device = StaticDevice.objects.filter(user=user).order_by("id").first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME)
        StaticToken.objects.filter(device__user=user).delete()
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=backup_code_hash(code)) for code in codes
        )


def method_remove(*, user: Any, method: SignInMethod) -> None:
    """Remove a sign-in method, unless it is the account's last one."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if len(sign_in_methods(user=user)) <= 1:
            raise LastMethodError
        deleted, _ = (
            METHOD_MODELS[method.kind].objects.filter(pk=method.device.pk, user=user).delete()
        )
        if deleted:
            _factor_event(user=user, action=AuditAction.FACTOR_REMOVED, kind=method.kind)


# The object id of a security event about backup codes (the other factors use MethodKind).
BACKUP_CODES_KIND = "backup_codes"


def _kind_of(device: Device) -> str:
    for kind, model in METHOD_MODELS.items():
        if isinstance(device, model):
            return kind.value
    return type(device).__name__


def _factor_event(*, user: Any, action: AuditAction, kind: str) -> None:
    """A second factor added or removed by the account itself, in the caller's transaction."""
    security_event_record(
        action=action, subject=user, actor=user, object_type="second_factor", object_id=kind
    )


# Trusted browsers.


def _trust_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_agent_label(user_agent: str) -> str:
    parsed = parse_user_agent(user_agent or "")
    browser = parsed.browser.family
    system = parsed.os.family
    if browser == "Other" and system == "Other":
        return "Unknown browser"
    return f"{browser} on {system}"[:120]


def trusted_device_create(*, user: Any, user_agent: str) -> str:
    """Trust this browser for 30 days; returns the token for its cookie."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    TrustedDevice.objects.create(
        user=user,
        name="Trusted browser",
        token_hash=_trust_token_hash(token),
        expires_at=now + TRUST_LIFETIME,
        user_agent_label=user_agent_label(user_agent),
    )
    return token


def trusted_device_for(*, user: Any, token: str | None) -> TrustedDevice | None:
    """The account's current trusted-browser record for the cookie's token, if any."""
    if not token:
        return None
    device = TrustedDevice.objects.filter(
        user=user, token_hash=_trust_token_hash(token), confirmed=True
    ).first()
    if device is None or not device.is_current:
        return None
    device.set_last_used_timestamp(commit=True)
    return device


def trusted_device_revoke(*, user: Any, public_id: Any) -> None:
    with transaction.atomic():
        deleted, _ = TrustedDevice.objects.filter(user=user, public_id=public_id).delete()
        if deleted:
            security_event_record(
                action=AuditAction.TRUSTED_BROWSER_REVOKED,
                subject=user,
                actor=user,
                object_type="trusted_browser",
                object_id=str(public_id),
            )


def trusted_devices_revoke(*, user: Any) -> int:
    """Stop trusting every browser of the account (sign out everywhere, password change).

    Sessions that skipped the code with one of them lose their second factor too.
    """
    deleted, _ = TrustedDevice.objects.filter(user=user).delete()
    return deleted


def trust_cookie_settings() -> dict[str, Any]:
    return {
        "max_age": int(TRUST_LIFETIME.total_seconds()),
        "httponly": True,
        "secure": settings.SESSION_COOKIE_SECURE,
        "samesite": "Lax",
        "salt": TRUST_COOKIE_SALT,
    }
