"""What the family pages keep of their own: which form submission made which relationship.

The relationships and invitations themselves live in the access app (`ProxyRelationship`,
`ProxyInvitation`), where the policy reads them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lantern.access.models import ProxyRelationship


class ProxySubmission(models.Model):
    """One sent invitation or grant form, so sending it again (a double click, a browser retry)
    returns the relationship the first send made instead of making a second one."""

    # Made when the form is drawn (a hidden field), unique across every form.
    submission_id = models.UUIDField(unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    relationship = models.OneToOneField(
        ProxyRelationship, on_delete=models.CASCADE, related_name="submission"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Submission {self.submission_id} for relationship {self.relationship_id}"
