"""What the results pages keep of their own: which results an account has opened."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lantern.clinical.models import DiagnosticReport


class ResultSeen(models.Model):
    """An account opened a result; until it does, the list marks the result "New"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="results_seen"
    )
    report = models.ForeignKey(DiagnosticReport, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "report"], name="results_seen_once")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.report_id}"
