"""Two staff members deciding the same request at the same moment change it once: the
conditional UPDATE lets one through and tells the other (issue 14, point 2). PostgreSQL only:
SQLite runs one writer at a time, so the race cannot happen there."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from lantern.clinical.models import MedicationRequest
from lantern.notifications.models import Notification
from lantern.refills import services
from lantern.refills.models import RefillRequest, RefillRequestEvent, RefillStatus

from .factories import medication, request_refill, staff_access

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
def test_approve_and_deny_at_once_change_the_request_once(alice, nora, pharmacy):
    alice.email_verified_at = alice.date_joined
    alice.save(update_fields=["email_verified_at"])
    medicine = medication(alice.patient, refills_allowed=2)
    refill = request_refill(alice, medicine, pharmacy)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(action) -> None:
        try:
            start.wait()
            action(RefillRequest.objects.get(pk=refill.pk))
            outcomes.append("changed")
        except services.RefillRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    access = staff_access(nora, alice.patient)
    threads = [
        threading.Thread(
            target=decide,
            args=(lambda r: services.refill_approve(access=access, refill=r),),
        ),
        threading.Thread(
            target=decide,
            args=(lambda r: services.refill_deny(access=access, refill=r, reason="No."),),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["changed", "refused"]
    refill.refresh_from_db()
    assert refill.status in (RefillStatus.APPROVED, RefillStatus.DENIED)
    assert RefillRequestEvent.objects.filter(refill_request=refill).count() == 2
    assert Notification.objects.count() == 1
    lowered = MedicationRequest.objects.get(pk=medicine.pk).refills_allowed
    assert lowered == (1 if refill.status == RefillStatus.APPROVED else 2)
