"""Connected apps: what a clinic registered, what a person authorized, and which tokens stand
for that authorization.

django-oauth-toolkit keeps the OAuth rows (Application, Grant, AccessToken, RefreshToken,
IDToken); Lantern adds beside them what SMART needs and the toolkit does not know: the clinic's
settings for a registered app (`RegisteredApp`), the person's decision for one patient
(`AppAuthorization`), and the link from each code and token to that decision, which carries the
patient context through the code exchange and every refresh.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken


class RegisteredApp(models.Model):
    """What the clinic controls about an app it registered: the scopes it may ever be granted
    and whether it is switched off. A disabled app's tokens stop working at once."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="registration"
    )
    # Space-separated SMART scopes: an app is never granted more than these.
    allowed_scope = models.TextField()
    description = models.CharField(max_length=200, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered_apps",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.application.name

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None


class AppAuthorization(models.Model):
    """A person's consent that one app may read one patient's record (their own, or a person
    they act for), with the scopes they granted. Revoking it revokes every token it issued."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="app_authorizations"
    )
    patient = models.ForeignKey(
        "clinical.Patient", on_delete=models.CASCADE, related_name="app_authorizations"
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="authorizations"
    )
    # The SMART scopes granted (space-separated), after the person's choices.
    scope = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When an app last read data with it; written at most once a minute (bearer.py).
    last_read_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One live authorization per person, patient and app: a new consent replaces it.
            models.UniqueConstraint(
                fields=["user", "patient", "application"],
                condition=Q(revoked_at__isnull=True),
                name="fhir_api_one_live_authorization",
            )
        ]
        indexes = [models.Index(fields=["user", "revoked_at"], name="fhir_api_auth_user_idx")]

    def __str__(self) -> str:
        return f"authorization {self.public_id}"


class GrantLaunch(models.Model):
    """The authorization an authorization code was issued under (code exchange reads it)."""

    grant = models.OneToOneField(Grant, on_delete=models.CASCADE, related_name="launch")
    authorization = models.ForeignKey(
        AppAuthorization, on_delete=models.CASCADE, related_name="grants"
    )

    def __str__(self) -> str:
        return f"launch of {self.grant_id}"


class AccessTokenLaunch(models.Model):
    """The authorization an access token stands for: who, for which patient, through which app."""

    access_token = models.OneToOneField(
        AccessToken, on_delete=models.CASCADE, related_name="launch"
    )
    authorization = models.ForeignKey(
        AppAuthorization, on_delete=models.CASCADE, related_name="access_tokens"
    )

    def __str__(self) -> str:
        return f"launch of {self.access_token_id}"


class RefreshTokenLaunch(models.Model):
    """The authorization a refresh token stands for, so a refresh keeps the patient context."""

    refresh_token = models.OneToOneField(
        RefreshToken, on_delete=models.CASCADE, related_name="launch"
    )
    authorization = models.ForeignKey(
        AppAuthorization, on_delete=models.CASCADE, related_name="refresh_tokens"
    )

    def __str__(self) -> str:
        return f"launch of {self.refresh_token_id}"
