"""Asking the clinic for a visit: a secure-message conversation with its scheduling inbox."""

from __future__ import annotations

import uuid

from django.conf import settings

from lantern.access.policy import PatientAccess
from lantern.core.statements import Statement, param_for
from lantern.messaging.models import Conversation, MessagePool
from lantern.messaging.services import conversation_start

from .choices import CHOICES_LISTED

# A clinic's active pools in their order, built once per process (lantern/core/statements.py).
_ACTIVE_POOLS = Statement(
    lambda: MessagePool.objects.filter(
        organization=param_for(MessagePool, "organization"), is_active=True
    ).order_by("position", "name")[:CHOICES_LISTED]
)


def request_pool(*, access: PatientAccess) -> MessagePool | None:
    """The clinic's inbox for appointment requests: its active pool named by the
    APPOINTMENT_REQUEST_POOL setting, else its first active pool; None if it has none."""
    organization_id = access.patient.managing_organization_id
    if organization_id is None:
        return None
    pools = _ACTIVE_POOLS.objects(organization=organization_id)
    for pool in pools:
        if pool.name == settings.APPOINTMENT_REQUEST_POOL:
            return pool
    return pools[0] if pools else None


def appointment_request(
    *,
    access: PatientAccess,
    pool: MessagePool,
    visit: str,
    preferred_times: str,
    details: str,
    submission_id: uuid.UUID,
) -> Conversation:
    """Send the clinic's scheduling inbox a request for a visit, as a secure-message
    conversation (sent once per `submission_id`); its replies come to Messages."""
    lines = [f"Visit: {visit}"]
    if preferred_times:
        lines.append(f"Days and times that suit me: {preferred_times}")
    if details:
        lines += ["", details]
    return conversation_start(
        access=access,
        recipient=f"pool:{pool.pk}",
        subject=f"Appointment request: {visit}"[:120],
        body="\n".join(lines),
        submission_id=submission_id,
    )
