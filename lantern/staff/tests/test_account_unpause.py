"""Staff of the patient's clinic can lift a pause after many failed sign-ins (issue 9, item 4);
staff of another clinic cannot, and the lift is audited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lantern.accounts.services import password_failure_record
from lantern.audit.models import AuditAction, AuditEvent
from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def paused_alice(settings, alice):
    settings.ACCOUNT_PAUSE_AFTER_FAILURES = 2
    for _ in range(2):
        password_failure_record(username="alice")
    return alice


def test_the_console_shows_a_paused_account_and_its_clinic_can_lift_the_pause(paused_alice, nora):
    staff = sign_in(Client(), nora)
    page = staff.get(reverse("staff:patient", kwargs={"patient_id": paused_alice.patient.pk}))
    assert "Sign-in paused" in page.content.decode()
    unpause = reverse("staff:account_unpause", kwargs={"patient_id": paused_alice.patient.pk})
    response = staff.post(unpause, follow=True)
    assert "no longer paused" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.ACCOUNT_UNFROZEN)
    assert (event.subject, event.actor, event.object_id) == (paused_alice, nora, "staff")
    assert event.patient is None
    page = staff.get(reverse("staff:patient", kwargs={"patient_id": paused_alice.patient.pk}))
    assert "Sign-in paused" not in page.content.decode()


def test_staff_of_another_clinic_cannot_lift_the_pause(paused_alice, olga):
    staff = sign_in(Client(), olga)
    unpause = reverse("staff:account_unpause", kwargs={"patient_id": paused_alice.patient.pk})
    assert staff.post(unpause).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.ACCOUNT_UNFROZEN).exists()


def test_a_patient_cannot_lift_a_pause_through_the_console(paused_alice, charlie):
    patient = sign_in(Client(), charlie)
    unpause = reverse("staff:account_unpause", kwargs={"patient_id": paused_alice.patient.pk})
    assert patient.post(unpause).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.ACCOUNT_UNFROZEN).exists()
