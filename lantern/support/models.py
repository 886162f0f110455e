"""Support requests: what someone writes on the help centre's "Contact support" form.

A support request is not part of anyone's health record. The person sending it need not be signed
in, so nothing they type (a name, an email address) is trusted to say who they are: a request is
never linked to a patient or an account, and it does not enter the patient message inbox, whose
conversations all belong to one patient's record (`messaging.Conversation.patient`). It goes to
one clinic (`organization`), whose staff read it in the console ("Support requests"), contact the
person as they asked, and close it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.clinical.models import Organization
from lantern.core.models import PublicIdModel


class SupportTopic(models.TextChoices):
    SIGNING_IN = "signing_in", _("Signing in, my password or my second step")
    NEW_ACCOUNT = "new_account", _("Creating an account")
    FAMILY = "family", _("Family and caregivers")
    USING_THE_PORTAL = "using", _("Using the portal or the app")
    OTHER = "other", _("Something else")


class SupportRequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class SupportRequest(PublicIdModel):
    """One message to a clinic's staff from the help centre, with how to reach the sender."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="support_requests"
    )
    name = models.CharField(max_length=200)
    # How to reach the sender: at least one of the two (a check constraint).
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    topic = models.CharField(max_length=20, choices=SupportTopic.choices)
    message = models.TextField()
    status = models.CharField(
        max_length=10, choices=SupportRequestStatus.choices, default=SupportRequestStatus.OPEN
    )
    # The random key of the form, so a double-clicked "Send" makes one request.
    submission_key = models.CharField(max_length=64, unique=True)
    # The language the person wrote in (the page's), so staff can answer in it; "" if unknown.
    language = models.CharField(max_length=10, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="closed_support_requests",
    )

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [
            models.Index(
                fields=["organization", "status", "-created_at"], name="support_request_queue"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(topic__in=SupportTopic.values), name="support_request_topic_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SupportRequestStatus.values),
                name="support_request_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone=""), name="support_request_has_a_contact"
            ),
            models.CheckConstraint(
                condition=Q(status=SupportRequestStatus.OPEN, closed_at__isnull=True)
                | Q(status=SupportRequestStatus.CLOSED, closed_at__isnull=False),
                name="support_request_closed_at_when_closed",
            ),
        ]

    @property
    def language_name(self) -> str:
        """The language it was written in, named in itself ("Español"); "" if unknown."""
        return dict(settings.LANGUAGES).get(self.language, "")

    def __str__(self) -> str:
        # No name or text: admin lists and logs show only what kind of thing this is.
        return f"Support request {self.pk}"
