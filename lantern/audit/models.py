"""The audit trail: an append-only record of who did what to which patient's data."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lantern.clinical.models import Patient


class AuditTamperError(Exception):
    """Raised when code tries to change or delete an audit event."""


class AuditAction(models.TextChoices):
    # Accesses to and changes of a patient's data.
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Downloaded"
    IMPORT = "import", "Imported"
    # Security events about an account (`subject`); they name no patient.
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Sign-in locked"
    SECOND_FACTOR_FAILED = "second_factor_failed", "Second step failed"
    ACCOUNT_FROZEN = "account_frozen", "Too many failures: reset needed"
    ACCOUNT_UNFROZEN = "account_unfrozen", "Reset after too many failures"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    EMAIL_CHANGED = "email_changed", "Email address changed"
    PHONE_CHANGED = "phone_changed", "Phone number changed"
    FACTOR_ADDED = "factor_added", "Second step added"
    FACTOR_REMOVED = "factor_removed", "Second step removed"
    TRUSTED_BROWSER_REVOKED = "trusted_browser_revoked", "Trusted browser removed"
    SESSION_REVOKED = "session_revoked", "Signed out elsewhere"
    ACCOUNT_CHANGED = "account_changed", "Account changed by an administrator"
    MEMBERSHIP_CHANGED = "membership_changed", "Staff membership changed"
    PATIENT_LINKED = "patient_linked", "Account linked to a patient record"


# The actions that touch a patient's data, shown in the patient's access log; the others are
# security events for reviewers.
DATA_ACTIONS = frozenset(
    {
        AuditAction.VIEW,
        AuditAction.CREATE,
        AuditAction.UPDATE,
        AuditAction.DELETE,
        AuditAction.EXPORT,
        AuditAction.IMPORT,
    }
)


class AuditOutcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"


class ActorRole(models.TextChoices):
    SELF = "self", "Patient"
    PROXY = "proxy", "Proxy"
    STAFF = "staff", "Staff"
    APP = "app", "Connected app"
    SYSTEM = "system", "System"
    NONE = "none", "No access"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditTamperError("Audit events cannot be changed.")

    def delete(self) -> NoReturn:
        raise AuditTamperError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """One access to or change of a patient's data.

    Append-only: the model refuses updates and deletes, and a database trigger refuses UPDATE on
    both engines (and DELETE on PostgreSQL). Holds ids and categories, never health information.
    """

    occurred_at = models.DateTimeField(default=timezone.now)
    # The three keys below have no index of their own: each leads an index in Meta.indexes,
    # which serves their lookups, and every page's INSERT maintains three indexes fewer.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        db_index=False,
    )
    # The username at the time, so the trail still reads if the account is renamed.
    actor_label = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=10, choices=ActorRole.choices)
    patient = models.ForeignKey(
        Patient,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        db_index=False,
    )
    # For security events: the account the event is about (the actor may be someone else, such
    # as an administrator, or nobody, for a failed sign-in).
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="security_events",
        db_index=False,
    )
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    outcome = models.CharField(max_length=10, choices=AuditOutcome.choices)
    # What was touched: a resource type ("Observation", "record") and, for one object, its id.
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=10)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # A patient's access log (lantern/audit/selectors.py). By role and actor, so that the
            # log without her own visits, which are most of her trail, reads none of them; in the
            # log's order, so that the events of deleted accounts (actor NULL) are read in order
            # and no further (without the id, SQLite read all of her visits to avoid a sort).
            models.Index(
                fields=["patient", "actor_role", "actor", "-occurred_at", "-id"],
                name="audit_event_patient_actor",
            ),
            # A page of the log: each role's newest events, read in order and no further.
            models.Index(
                fields=["patient", "actor_role", "-occurred_at", "-id"],
                name="audit_event_patient_time",
            ),
            models.Index(fields=["actor", "-occurred_at"]),
            models.Index(fields=["subject", "-occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values), name="audit_event_action_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=AuditOutcome.values), name="audit_event_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(actor_role__in=ActorRole.values), name="audit_event_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTamperError("Audit events cannot be changed.")
        # A new instance that carries an existing id would otherwise be saved as an UPDATE of
        # that event; forcing an INSERT makes it fail as a duplicate instead.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTamperError("Audit events cannot be deleted.")


class AuditSeal(models.Model):
    """One link of the hash chain over the audit trail.

    A sealing task (lantern.audit.sealing) takes the committed events after the previous seal, in
    id order, and records how many there were, the id range and an HMAC of the previous seal's
    hash and each event's fields. `manage.py verify_audit` recomputes the chain: an edited,
    deleted or inserted event, or a missing seal, breaks it. Append-only like the events.
    """

    number = models.PositiveBigIntegerField(unique=True)
    sealed_at = models.DateTimeField(default=timezone.now)
    first_event_id = models.BigIntegerField()
    last_event_id = models.BigIntegerField()
    event_count = models.PositiveIntegerField()
    previous_hash = models.CharField(max_length=64)
    chain_hash = models.CharField(max_length=64, unique=True)
    # One line per sealed event, "id digest" (the first 16 hex digits of the event's own HMAC),
    # so verify_audit can name the event that was changed, deleted or added, not only the seal.
    event_digests = models.TextField(default="", blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_event_id__gte=models.F("first_event_id")),
                name="audit_seal_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Seal {self.number}: events {self.first_event_id}-{self.last_event_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTamperError("Audit seals cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTamperError("Audit seals cannot be deleted.")
