"""Second factors that django-otp does not provide, trusted browsers and the throttling log.

The authenticator app (TOTP), email codes and backup codes use django-otp's own device models
(`TOTPDevice`, `EmailDevice`, `StaticDevice`) and passkeys use django-otp-webauthn's
`WebAuthnCredential`; this module adds the text-message device, the "trust this device for 30
days" record and the attempts log that caps sends and wrong codes per account.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_otp.models import Device, SideChannelDevice, ThrottlingMixin, TimestampMixin


class SmsDevice(TimestampMixin, ThrottlingMixin, SideChannelDevice):
    """Codes by text message to the account's phone number.

    Like django-otp's `EmailDevice`, the stored `token` is not the code itself but a keyed hash of
    it (see `services`), so reading the database does not reveal a live code.
    """

    phone = models.CharField(max_length=32)

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_SMS_THROTTLE_FACTOR", 1)

    def verify_token(self, token: str) -> bool:
        verify_allowed, _ = self.verify_is_allowed()
        if not verify_allowed:
            return False
        verified = super().verify_token(token)
        if verified:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment()
        return verified


class TrustedDevice(TimestampMixin, Device):
    """A browser the account chose to trust for 30 days: it skips the code, not the password.

    It is a django-otp device so that a session it verified stays tied to it: revoking the row
    makes django-otp's middleware treat such sessions as not verified any more. It never accepts
    a typed code. The browser holds a random token in a signed cookie; only its SHA-256 is kept.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    # A short description of the browser ("Chrome on Android"), for the list on the manage page.
    user_agent_label = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="mfa_trusteddevice_expires_after_creation",
            ),
        ]

    def verify_token(self, token: str) -> bool:
        return False

    @property
    def is_current(self) -> bool:
        return self.confirmed and self.expires_at > timezone.now()


class SecondFactorEventKind(models.TextChoices):
    CODE_SENT = "code_sent", "Code sent"
    CODE_REJECTED = "code_rejected", "Wrong code"


class SecondFactorEvent(models.Model):
    """One code sent or one wrong code, kept a short while to cap both per account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="second_factor_events"
    )
    kind = models.CharField(max_length=20, choices=SecondFactorEventKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "kind", "created_at"], name="mfa_event_recent_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SecondFactorEventKind.values), name="mfa_event_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.created_at:%Y-%m-%d %H:%M}"
