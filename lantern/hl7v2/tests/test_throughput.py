"""The listener's hot path: the sender's clinic is resolved once per process (for a while), and
a clinic changed by another process is still found."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lantern.clinical.models import Organization, Patient
from lantern.hl7v2.models import InboundMessage, MessageStatus
from lantern.hl7v2.services import message_receive

from .messages import oru

pytestmark = pytest.mark.django_db


def _oru(control_id: str, alice) -> bytes:
    return oru(control_id, mrn=alice.patient.mrn).encode()


def test_a_second_result_from_a_sender_does_not_read_the_clinics_again(alice) -> None:
    message_receive(raw=_oru("CTRL-1", alice))

    with CaptureQueriesContext(connection) as captured:
        received = message_receive(raw=_oru("CTRL-2", alice))

    assert b"MSA|AA" in received.ack
    assert not [q for q in captured if 'FROM "clinical_organization"' in q["sql"]]


def test_a_result_costs_few_queries(alice) -> None:
    message_receive(raw=_oru("CTRL-1", alice))

    with CaptureQueriesContext(connection) as captured:
        message_receive(raw=_oru("CTRL-2", alice))

    statements = [
        q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN"))
    ]
    # Store (in the same transaction as the rest: no claim); patient; the report and its values
    # (one read); the report, its values and links (one round trip on PostgreSQL, a statement
    # per table elsewhere); audit event; outcome. No read of the clinics, no read or delete of
    # a new report's links.
    assert len(statements) == (6 if connection.vendor == "postgresql" else 8)


def test_a_patient_moved_to_a_clinic_made_by_another_process_is_still_found(alice) -> None:
    message_receive(raw=_oru("CTRL-1", alice))
    # Another process (the console) adds a clinic named as the lab's facility and moves the
    # patient there; this process hears of neither (no signals), its cache still names the old.
    Organization.objects.bulk_create([Organization(name="Clinic lab")])
    moved_to = Organization.objects.get(name="Clinic lab")
    Patient.objects.filter(pk=alice.patient.pk).update(managing_organization=moved_to)

    received = message_receive(raw=_oru("CTRL-2", alice))

    assert b"MSA|AA" in received.ack
    row = InboundMessage.objects.get(control_id="CTRL-2")
    assert (row.status, row.organization_id) == (MessageStatus.PROCESSED, moved_to.pk)


def test_a_clinic_added_in_this_process_is_seen_at_once(alice) -> None:
    message_receive(raw=_oru("CTRL-1", alice))
    Organization.objects.create(name="Clinic lab")
    # The new clinic is named by MSH-4 but has no patient or staff: not a clinic yet. Giving it
    # a patient (a save in this process) makes it one, and the sender's messages go there.
    Patient.objects.filter(pk=alice.patient.pk).update(
        managing_organization=Organization.objects.get(name="Clinic lab")
    )
    alice.patient.refresh_from_db()
    alice.patient.save()

    with CaptureQueriesContext(connection) as captured:
        received = message_receive(raw=_oru("CTRL-2", alice))

    assert b"MSA|AA" in received.ack
    assert [q for q in captured if 'FROM "clinical_organization"' in q["sql"]]
