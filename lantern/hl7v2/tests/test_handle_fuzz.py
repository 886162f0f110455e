"""The handlers never raise for what a message holds: the sample messages, mangled at random
(a fixed seed, so a failure can be replayed), are each answered AA, AE or AR."""

from __future__ import annotations

import random
import re

import pytest

from lantern.access.models import StaffRole
from lantern.hl7v2.contract import AckCode, Outcome
from lantern.hl7v2.wire import UnreadableMessage
from lantern.testing.factories import PatientFactory, StaffMembershipFactory, UserFactory

from .handle_support import SAMPLES, message, run

pytestmark = pytest.mark.django_db

# Separators, escapes left open, huge numbers, dates, line breaks inside segments.
NASTY = [
    "|",
    "^",
    "~",
    "\\",
    "&",
    "\\E\\",
    "\\X",
    "\\.br\\",
    "99999999999999999999999",
    "x",
    "-",
    "\n",
    "20260101",
    "<",
    "é",
    '""',
]
ROUNDS = 120


def mangled(text: str, rng: random.Random) -> bytes:
    head, *body = re.split(r"\r\n|\r|\n", text)
    for _change in range(rng.randint(1, 6)):
        index = rng.randrange(len(body))
        line = body[index]
        if not line:
            continue
        at = rng.randrange(len(line))
        choice = rng.random()
        if choice < 0.4:
            body[index] = line[:at] + rng.choice(NASTY) + line[at:]
        elif choice < 0.7:
            body[index] = line[:at] + line[at + rng.randint(1, 10) :]
        else:
            body.insert(rng.randrange(len(body) + 1), line)
    return "\r".join([head, *body]).encode("utf-8")


def test_mangled_sample_messages_are_always_answered(clinic):
    StaffMembershipFactory(
        user=UserFactory(first_name="Robert", last_name="Ge"),
        organization=clinic,
        role=StaffRole.CLINICIAN,
    )
    for mrn in ["10006579", "PATID1234", "14", "9817566735", "V001047", "489671"]:
        PatientFactory(mrn=mrn, managing_organization=clinic)
    rng = random.Random(7)
    samples = [path.read_bytes().decode("utf-8-sig") for path in sorted(SAMPLES.glob("*.hl7"))]
    answers: set[AckCode] = set()

    for _round in range(ROUNDS):
        try:
            outcome = run(mangled(rng.choice(samples), rng))
        except UnreadableMessage:
            # The transport's refusal (no MSH, no control id): never reaches the handlers.
            continue
        assert isinstance(outcome, Outcome)
        answers.add(outcome.code)

    assert answers == {AckCode.ACCEPTED, AckCode.ERROR}


def test_a_segment_without_a_name_does_not_stop_the_message(clinic, alice):
    alice.patient.mrn = "MRN-A"
    alice.patient.save(update_fields=["mrn"])

    outcome = run(message("PID|1||MRN-A^^^X^MR", "|stray", "OBX|1|NM|1^x^LN||5||||||F"))

    assert outcome.code == AckCode.ACCEPTED
