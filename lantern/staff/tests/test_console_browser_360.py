"""Every staff-console page in a real browser at 360 x 740, signed in as nora: it loads, has one
heading, does not scroll sideways, and every visible form control has an accessible label. The
reply form also works with the keyboard alone."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from lantern.clinical.models import ReportKind
from lantern.messaging.models import Attachment, AuthorRole, Conversation, Message
from lantern.results.models import ResultReleaseDelay
from lantern.testing.factories import (
    DiagnosticReportFactory,
    ObservationFactory,
    PatientFactory,
    StaffMembershipFactory,
    UserFactory,
)
from lantern.testing.factories_enrollment import EnrollmentRequestFactory
from lantern.testing.factories_messaging import (
    ConversationFactory,
    MessageFactory,
    MessagePoolFactory,
    StaffNoteFactory,
)
from lantern.testing.page_checks import is_fine, page_found, page_problems, signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]

LONG_SUBJECT = "Questions about my blood pressure readings since the new medication was started"
LONG_FILENAME = "blood-pressure-diary-january-to-march-morning-and-evening-readings.pdf"
LONG_TEST = "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay"


def busy_inbox(clinic, alice, nora) -> Conversation:
    """Conversations in several states; returns alice's, with messages, notes and a file."""
    nursing = MessagePoolFactory(organization=clinic, name="Nursing")
    colleague = UserFactory(first_name="Dana", last_name="Diaz-Montgomery", is_staff=True)
    StaffMembershipFactory(user=colleague, organization=clinic)
    now = timezone.now()
    for index in range(6):
        patient = PatientFactory(
            managing_organization=clinic,
            given_names="Maximiliana-Josephine",
            family_name=f"Vanderberg-Oyelaran {index}",
        )
        answered = index % 3 == 1
        ConversationFactory(
            patient=patient,
            pool=nursing,
            subject=f"{LONG_SUBJECT} ({index})",
            assigned_to=colleague if index % 2 else None,
            last_message_role=AuthorRole.STAFF if answered else AuthorRole.PATIENT,
            waiting_since=None if answered else now - dt.timedelta(days=index, hours=2),
            clinic_read_at=now if index % 3 == 2 else None,
            done_at=now if index == 5 else None,
        )
    thread = ConversationFactory(
        patient=alice.patient,
        created_by=alice,
        pool=nursing,
        subject=LONG_SUBJECT,
        waiting_since=now - dt.timedelta(days=2),
    )
    for index in range(4):
        from_staff = index % 2 == 1
        message = MessageFactory(
            conversation=thread,
            author=nora if from_staff else alice,
            author_role=AuthorRole.STAFF if from_staff else AuthorRole.PATIENT,
            body=f"Message {index}: " + "my readings were 150/95 in the morning. " * 4,
            created_at=now - dt.timedelta(days=2) + dt.timedelta(hours=index),
        )
    Attachment.objects.create(
        message=message,
        filename=LONG_FILENAME,
        content_type="application/pdf",
        size=20480,
        sha256="0" * 64,
        storage_name=uuid.uuid4().hex,
    )
    StaffNoteFactory(conversation=thread, author=nora, body="Called the pharmacy back.")
    return thread


def held_result(alice) -> None:
    """A lab report issued just now, held by a 72-hour release delay, with long names."""
    ResultReleaseDelay.objects.create(kind=ReportKind.LABORATORY, delay_hours=72)
    now = timezone.now()
    DiagnosticReportFactory(
        patient=alice.patient, effective_at=now, issued_at=now, display=LONG_TEST
    )
    ObservationFactory(
        patient=alice.patient,
        effective_at=now - dt.timedelta(days=30),
        issued_at=now - dt.timedelta(days=30),
        display=LONG_TEST,
        value_quantity=131.0,
        value_unit="mg/dL",
    )


def test_every_console_page_reads_at_360_px(page, live_server, clinic, alice, nora, dora):
    thread = busy_inbox(clinic, alice, nora)
    held_result(alice)
    EnrollmentRequestFactory.create_batch(3, organization=clinic)
    review = EnrollmentRequestFactory(
        organization=clinic, email="maximiliana.vanderberg-oyelaran@example.org"
    )
    signed_in_page(page, live_server, nora)

    problems = page_problems(
        page,
        [
            "/staff/",
            "/staff/messages/",
            "/staff/messages/?state=all",
            f"/staff/messages/{thread.pk}/",
            "/staff/patients/",
            "/staff/patients/?q=Vanderberg",
            f"/staff/patients/{alice.patient_id}/",
            f"/staff/patients/{dora.pk}/",
            f"/staff/patients/{alice.patient_id}/conversations/new/",
            f"/staff/patients/{dora.pk}/conversations/new/",
            f"/patients/{alice.patient_id}/results/",
            f"/patients/{alice.patient_id}/messages/",
            f"/patients/{alice.patient_id}/messages/{thread.pk}/",
            "/account/",
            "/two-factor/",
            "/staff/results-on-hold/",
            "/staff/enrollment-requests/",
            f"/staff/enrollment-requests/{review.pk}/",
        ],
    )

    # The activation code page is the answer to the "Issue" button on the patient page.
    page.goto(f"/staff/patients/{dora.pk}/")
    with page.expect_navigation() as issued:
        page.get_by_role("button", name="Issue activation code").click()
    found = page_found(page, issued.value)
    if not is_fine(found):
        problems["activation code issued"] = found

    assert problems == {}
    # The pages held what was meant to be checked.
    page.goto("/staff/results-on-hold/")
    assert page.get_by_text(LONG_TEST).count() >= 1
    page.goto("/staff/messages/?state=all")
    assert page.get_by_text("Vanderberg-Oyelaran", exact=False).count() >= 5
    page.goto(f"/staff/messages/{thread.pk}/")
    assert page.get_by_role("link", name=LONG_FILENAME).count() == 1
    assert page.get_by_text("Called the pharmacy back.").is_visible()


def tab_to(page, selector: str, *, limit: int = 120) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_reply_can_be_written_and_sent_with_the_keyboard_alone(
    page, live_server, clinic, alice, nora
):
    thread = busy_inbox(clinic, alice, nora)
    signed_in_page(page, live_server, nora)
    page.goto(f"/staff/messages/{thread.pk}/")

    reply_form = "form[action$='/reply/']"
    tab_to(page, f"{reply_form} textarea[name=body]")
    page.keyboard.type("Those readings are high. Please call us today.")
    tab_to(page, f"{reply_form} button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Space")

    reply = Message.objects.filter(conversation=thread).latest("created_at")
    assert reply.body == "Those readings are high. Please call us today."
    assert reply.author == nora
    assert reply.author_role == AuthorRole.STAFF
