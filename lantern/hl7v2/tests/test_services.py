from __future__ import annotations

import hl7
import pytest

from lantern.hl7v2 import services
from lantern.hl7v2.contract import AckCode, Outcome
from lantern.hl7v2.models import InboundMessage, MessageSource, MessageStatus
from lantern.hl7v2.services import INTERNAL_ERROR, message_receive

from .messages import oru, unsupported

pytestmark = pytest.mark.django_db


def ack_of(received: services.Received) -> hl7.Message:
    return hl7.parse(received.ack.decode("latin-1"))


def test_an_unsupported_message_type_is_stored_and_answered_ar() -> None:
    received = message_receive(raw=unsupported().encode())

    ack = ack_of(received)
    assert str(ack.segment("MSA")(1)) == "AR"
    assert str(ack.segment("MSA")(2)) == "MFN-1"
    assert "not supported" in str(ack.segment("MSA")(3))
    row = InboundMessage.objects.get()
    assert bytes(row.raw) == unsupported().encode()
    assert (row.sending_application, row.control_id) == ("LAB", "MFN-1")
    assert (row.message_type, row.trigger_event) == ("MFN", "M02")
    assert row.status == MessageStatus.REJECTED
    assert row.ack_code == "AR"
    assert row.processed_at is not None
    assert row.source == MessageSource.LISTENER


def test_a_resent_message_gets_the_same_ack_and_is_stored_once() -> None:
    first = message_receive(raw=unsupported().encode())
    second = message_receive(raw=unsupported().encode())

    assert second.ack == first.ack
    assert second.duplicate and not first.duplicate
    assert InboundMessage.objects.count() == 1


def test_the_same_control_id_from_another_sender_is_another_message() -> None:
    message_receive(raw=unsupported(sending_application="LAB").encode())
    message_receive(raw=unsupported(sending_application="RADIOLOGY").encode())

    assert InboundMessage.objects.count() == 2


def test_a_processed_message_is_not_processed_again_when_resent(monkeypatch) -> None:
    calls: list[str] = []

    def accept(message, *, header, patient=None) -> Outcome:
        calls.append(header.control_id)
        return Outcome(code=AckCode.ACCEPTED)

    monkeypatch.setattr(services, "process", accept)

    first = message_receive(raw=oru().encode())
    second = message_receive(raw=oru().encode())

    assert calls == ["CTRL-1"]
    assert str(ack_of(second).segment("MSA")(1)) == "AA"
    assert second.ack == first.ack
    assert InboundMessage.objects.get().status == MessageStatus.PROCESSED


def test_a_message_stored_by_a_run_that_died_is_processed_on_resend(monkeypatch) -> None:
    # The first run committed the raw bytes and died before processing them.
    InboundMessage.objects.create(
        raw=oru().encode(),
        source=MessageSource.LISTENER,
        sending_application="LAB",
        control_id="CTRL-1",
        message_type="ORU",
        trigger_event="R01",
    )
    monkeypatch.setattr(
        services, "process", lambda message, *, header, patient=None: Outcome(AckCode.ACCEPTED)
    )

    received = message_receive(raw=oru().encode())

    assert str(ack_of(received).segment("MSA")(1)) == "AA"
    row = InboundMessage.objects.get()
    assert row.status == MessageStatus.PROCESSED


def test_an_error_outcome_is_kept_with_its_reason_and_location(monkeypatch, alice) -> None:
    monkeypatch.setattr(
        services,
        "process",
        lambda message, *, header, patient=None: Outcome(
            AckCode.ERROR, "no patient with this MRN", "PID^1^3"
        ),
    )

    received = message_receive(raw=oru().encode())

    ack = ack_of(received)
    assert str(ack.segment("MSA")(1)) == "AE"
    assert str(ack.segment("ERR")(2)) == "PID^1^3"
    row = InboundMessage.objects.get()
    assert (row.status, row.reason, row.error_location) == (
        MessageStatus.ERROR,
        "no patient with this MRN",
        "PID^1^3",
    )


def test_a_handler_that_fails_leaves_nothing_half_written_and_the_message_in_error(
    monkeypatch, alice
) -> None:
    from lantern.clinical.models import Organization

    def fail(message, *, header, patient=None) -> Outcome:
        Organization.objects.create(name="Half written")
        raise RuntimeError("bug")

    monkeypatch.setattr(services, "process", fail)

    received = message_receive(raw=oru().encode())

    assert str(ack_of(received).segment("MSA")(1)) == "AE"
    assert not Organization.objects.filter(name="Half written").exists()
    row = InboundMessage.objects.get()
    assert (row.status, row.reason) == (MessageStatus.ERROR, INTERNAL_ERROR)


def test_the_patient_a_handler_found_is_kept_with_the_clinic(monkeypatch, alice) -> None:
    monkeypatch.setattr(
        services,
        "process",
        lambda message, *, header, patient=None: Outcome(AckCode.ACCEPTED, patient=alice.patient),
    )

    message_receive(raw=oru().encode())

    row = InboundMessage.objects.get()
    assert row.patient == alice.patient
    assert row.organization == alice.patient.managing_organization


def test_a_message_without_msh_is_stored_and_answered_ar() -> None:
    received = message_receive(raw=b"PID|1||MRN-1\r")

    ack = ack_of(received)
    assert str(ack.segment("MSA")(1)) == "AR"
    assert "MSH" in str(ack.segment("MSA")(3))
    row = InboundMessage.objects.get()
    assert (row.status, row.control_id) == (MessageStatus.REJECTED, "")


def test_a_message_in_an_undeclared_character_set_is_answered_ar_once() -> None:
    # Latin-1 without MSH-18: its bytes are not UTF-8, the default for an empty MSH-18.
    raw = oru(receiving_facility="CLINIQUE DU LAC Ë").encode("latin-1")

    first = message_receive(raw=raw)
    second = message_receive(raw=raw)

    ack = ack_of(first)
    assert str(ack.segment("MSA")(1)) == "AR"
    assert "MSH-18" in str(ack.segment("MSA")(3))
    assert second.ack == first.ack
    assert InboundMessage.objects.get().control_id == "CTRL-1"


def test_a_message_for_no_known_patient_goes_to_the_queue_of_the_clinic_msh4_names(
    nora, olga, clinic
) -> None:
    message_receive(raw=oru(mrn="NOBODY", sending_facility="Riverside Family Clinic").encode())

    row = InboundMessage.objects.get()
    assert (row.status, row.organization) == (MessageStatus.ERROR, clinic)


def test_with_one_clinic_every_message_in_error_goes_to_its_queue(nora, clinic) -> None:
    message_receive(raw=unsupported().encode())
    message_receive(raw=b"PID|1||MRN-1\r")

    assert [row.organization for row in InboundMessage.objects.all()] == [clinic, clinic]


def test_a_message_without_a_control_id_is_answered_from_its_own_header() -> None:
    received = message_receive(raw=unsupported("").encode())

    ack = ack_of(received)
    assert str(ack.segment("MSA")(1)) == "AR"
    assert "MSH-10" in str(ack.segment("MSA")(3))
    assert str(ack.segment("MSH")(5)) == "LAB"
