"""Writes for connected apps: a person's consent, its revocation, and the clinic's registry."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, RefreshToken

from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole, AuditAction
from lantern.audit.services import audit_event_record
from lantern.fhir_api.models import AppAuthorization, RegisteredApp


def _tokens_revoke(authorizations: QuerySet[AppAuthorization]) -> None:
    """Revoke every token the authorizations issued: access tokens are deleted (what the toolkit
    calls revoking one), refresh tokens are marked revoked so a replay is recognised."""
    now = timezone.now()
    RefreshToken.objects.filter(
        launch__authorization__in=authorizations, revoked__isnull=True
    ).update(revoked=now, updated=now)
    AccessToken.objects.filter(launch__authorization__in=authorizations).delete()


@transaction.atomic
def app_authorization_grant(
    *, access: PatientAccess, application: Application, scope: str
) -> AppAuthorization:
    """Record that `access.user` lets `application` read `access.patient` with `scope`; a live
    authorization for the same person, patient and app is replaced (and its tokens revoked)."""
    previous = AppAuthorization.objects.filter(
        user=access.user,
        patient=access.patient,
        application=application,
        revoked_at__isnull=True,
    )
    _tokens_revoke(previous)
    previous.update(revoked_at=timezone.now())
    authorization = AppAuthorization.objects.create(
        user=access.user, patient=access.patient, application=application, scope=scope
    )
    audit_event_record(
        actor=access.user,
        patient=access.patient,
        role=access.role,
        action=AuditAction.CREATE,
        object_type="AppAuthorization",
        object_id=str(authorization.public_id),
    )
    return authorization


@transaction.atomic
def app_authorization_revoke(*, user, authorization_id: str) -> bool:
    """Disconnect an app: the person's authorization ends and its tokens stop working at once.

    Only the person who gave it may end it; False when there is nothing live to end (a second
    click, another person's authorization), so a double submit is harmless.
    """
    authorizations = AppAuthorization.objects.filter(
        public_id=authorization_id, user=user, revoked_at__isnull=True
    )
    authorization = authorizations.select_for_update().first()
    if authorization is None:
        return False
    _tokens_revoke(authorizations)
    authorizations.update(revoked_at=timezone.now())
    audit_event_record(
        actor=user,
        patient=authorization.patient,
        role=ActorRole.SELF if user.patient_id == authorization.patient_id else ActorRole.PROXY,
        action=AuditAction.DELETE,
        object_type="AppAuthorization",
        object_id=str(authorization.public_id),
    )
    return True


def app_authorizations_end_for_relationship(*, proxy, patient) -> int:
    """A proxy relationship ended: the apps the proxy connected to that person lose access.

    Called inside the service that ends the relationship, in its transaction.
    """
    authorizations = AppAuthorization.objects.filter(
        user=proxy, patient=patient, revoked_at__isnull=True
    )
    _tokens_revoke(authorizations)
    return authorizations.update(revoked_at=timezone.now())


@transaction.atomic
def registered_app_create(
    *,
    staff_user,
    name: str,
    confidential: bool,
    redirect_uris: str,
    allowed_scope: str,
    description: str = "",
) -> tuple[RegisteredApp, str]:
    """Register an app; returns it and, for a confidential app, its secret (shown once)."""
    secret = ""
    application = Application(
        name=name,
        client_type=(
            Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC
        ),
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uris,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=False,
    )
    if confidential:
        # The toolkit hashes the secret when saving; the plain one is shown to staff once.
        secret = application.client_secret
    else:
        application.client_secret = ""
    application.full_clean(exclude=["user"])
    application.save()
    registration = RegisteredApp.objects.create(
        application=application,
        allowed_scope=allowed_scope,
        description=description,
        registered_by=staff_user,
    )
    audit_event_record(
        actor=staff_user,
        patient=None,
        role=ActorRole.STAFF,
        action=AuditAction.CREATE,
        object_type="RegisteredApp",
        object_id=application.client_id,
    )
    return registration, secret


@transaction.atomic
def registered_app_set_disabled(*, staff_user, registration_id: int, disabled: bool) -> bool:
    """Switch an app off (its tokens stop working at once) or on again; False if unchanged."""
    registrations = RegisteredApp.objects.filter(pk=registration_id, disabled_at__isnull=disabled)
    changed = registrations.update(disabled_at=timezone.now() if disabled else None)
    if changed:
        audit_event_record(
            actor=staff_user,
            patient=None,
            role=ActorRole.STAFF,
            action=AuditAction.UPDATE,
            object_type="RegisteredApp",
            object_id=str(registration_id),
        )
    return bool(changed)
