"""What the results pages keep of their own: which results an account has opened, and how long
results of each kind are held back from the patient."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lantern.clinical.models import DiagnosticReport, Observation, ReportKind
from lantern.clinical.models.base import choices_constraint


class ResultSeen(models.Model):
    """An account opened a result; until it does, the list marks the result "New".

    A result is a report, or a lab value that belongs to no report (Synthea records every
    hemoglobin A1c that way); each row names exactly one of the two.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="results_seen"
    )
    report = models.ForeignKey(
        DiagnosticReport, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    observation = models.ForeignKey(
        Observation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "report"], name="results_seen_once"),
            models.UniqueConstraint(
                fields=["user", "observation"], name="results_seen_observation_once"
            ),
            models.CheckConstraint(
                condition=(
                    Q(report__isnull=False, observation__isnull=True)
                    | Q(report__isnull=True, observation__isnull=False)
                ),
                name="results_seen_one_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.report_id or self.observation_id}"


class ResultReleaseDelay(models.Model):
    """How long results of one kind wait before the patient sees them.

    With no row for a kind, its results are released at once, as the 21st Century Cures Act
    expects; a clinic adds a row in the admin only where it decided to hold results back.
    """

    kind = models.CharField(max_length=20, choices=ReportKind.choices, unique=True)
    delay_hours = models.PositiveIntegerField(
        help_text="Hours after the result is issued before the patient can see it."
    )

    class Meta:
        constraints = [choices_constraint("kind", ReportKind)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.delay_hours} hours"
