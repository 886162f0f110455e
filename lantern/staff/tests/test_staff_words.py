"""Patient pages opened by staff name the patient, not "your"; staff write from the console."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from lantern.messaging.models import Conversation
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    AllergyFactory,
    ConditionFactory,
    DocumentFactory,
    EncounterFactory,
    ImmunizationFactory,
    MedicationRequestFactory,
)
from lantern.testing.factories_messaging import (
    ConversationFactory,
    MessageFactory,
    MessagePoolFactory,
)

pytestmark = pytest.mark.django_db

ALICES = "Alice Adams's"


def page(user, name: str, patient) -> str:
    response = sign_in(Client(), user).get(reverse(name, kwargs={"patient_id": patient.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_staff_opening_a_record_see_the_patients_name_not_your(nora, alice):
    record = page(nora, "record:index", alice.patient)
    results = page(nora, "results:list", alice.patient)

    assert f"<h1>{escape(ALICES)} health record</h1>" in record
    assert "about your health" not in record
    assert f"<h1>{escape(ALICES)} test results</h1>" in results
    assert "Your lab tests" not in results


def test_the_patient_still_reads_your_record_and_your_results(alice):
    assert "<h1>Your health record</h1>" in page(alice, "record:index", alice.patient)
    assert "<h1>Your test results</h1>" in page(alice, "results:list", alice.patient)


def test_a_nurse_is_sent_from_the_patients_compose_form_to_the_console_inbox(nora, alice):
    client = sign_in(Client(), nora)
    compose = reverse("messaging:new", kwargs={"patient_id": alice.patient.pk})

    response = client.get(compose, follow=True)
    posted = client.post(compose, {"subject": "Hello", "body": "From the nurse"})
    messages_page = page(nora, "messaging:list", alice.patient)

    assert response.redirect_chain == [(reverse("staff:inbox"), 302)]
    assert "The new-message form is for patients and their proxies." in response.content.decode()
    assert "choose “Write to” on their page" in response.content.decode()
    assert posted.status_code == 302
    assert not Conversation.objects.filter(patient=alice.patient).exists()
    assert compose not in messages_page
    assert reverse("staff:inbox") in messages_page


# Every page of the record and of the patient's messages, as staff see them.


def page_words(html: str) -> str:
    """The page's own words: the content block, without the frame or the time-out dialog."""
    content = html.split('class="grid-container lantern-page">', 1)[1]
    content = content.split('id="session-timeout"', 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content))


SPEAKING_TO_THE_PATIENT = re.compile(r"\b(you|your|my)\b", re.IGNORECASE)

RECORD_LISTS = (
    "record:problems",
    "record:medications",
    "record:allergies",
    "record:immunizations",
    "record:visits",
    "record:documents",
    "record:procedures",
)


def record_with_one_of_each(patient):
    visit = EncounterFactory(patient=patient)
    ConditionFactory(patient=patient, encounter=visit)
    MedicationRequestFactory(patient=patient)
    AllergyFactory(patient=patient)
    ImmunizationFactory(patient=patient)
    empty_document = DocumentFactory(patient=patient, content_text="")
    return visit, empty_document


def staff_pages(nora, patient, visit=None, document=None) -> dict[str, str]:
    client = sign_in(Client(), nora)
    addresses = {name: reverse(name, kwargs={"patient_id": patient.pk}) for name in RECORD_LISTS}
    addresses["record:index"] = reverse("record:index", kwargs={"patient_id": patient.pk})
    addresses["messaging:list"] = reverse("messaging:list", kwargs={"patient_id": patient.pk})
    if visit is not None:
        addresses["record:visit"] = reverse(
            "record:visit", kwargs={"patient_id": patient.pk, "visit_id": visit.pk}
        )
    if document is not None:
        addresses["record:document"] = reverse(
            "record:document", kwargs={"patient_id": patient.pk, "document_id": document.pk}
        )
    pages = {}
    for name, address in addresses.items():
        response = client.get(address)
        assert response.status_code == 200, name
        pages[name] = response.content.decode()
    return pages


def test_every_record_page_names_the_patient_for_staff_when_it_has_entries(nora, alice):
    visit, document = record_with_one_of_each(alice.patient)

    pages = staff_pages(nora, alice.patient, visit, document)

    for name, html in pages.items():
        words = page_words(html)
        assert not SPEAKING_TO_THE_PATIENT.search(words), (name, words)
        assert ALICES in unescape(words), name
    assert f"Back to {escape(ALICES)} visits" in pages["record:visit"]
    assert f"Back to {escape(ALICES)} documents" in pages["record:document"]
    assert f"Back to {escape(ALICES)} health record" in pages["record:problems"]


def test_every_record_page_names_the_patient_for_staff_when_it_is_empty(nora, alice):
    pages = staff_pages(nora, alice.patient)

    for name, html in pages.items():
        words = page_words(html)
        assert not SPEAKING_TO_THE_PATIENT.search(words), (name, words)
    assert "Alice Adams has no allergies on record." in pages["record:allergies"]
    assert "Alice Adams has no visits on record yet." in pages["record:visits"]
    assert "There are no messages with this patient yet." in pages["messaging:list"]


def test_the_patient_still_reads_your_on_every_record_page(alice):
    visit, _document = record_with_one_of_each(alice.patient)
    client = sign_in(Client(), alice)
    back_to_visits = client.get(
        reverse("record:visit", kwargs={"patient_id": alice.patient.pk, "visit_id": visit.pk})
    )
    allergies = client.get(reverse("record:allergies", kwargs={"patient_id": alice.patient.pk}))
    AllergyFactory._meta.model.objects.all().delete()
    no_allergies = client.get(reverse("record:allergies", kwargs={"patient_id": alice.patient.pk}))

    assert "Back to your visits" in back_to_visits.content.decode()
    assert "Your allergies" in allergies.content.decode()
    assert "Back to your health record" in allergies.content.decode()
    assert "You have no allergies on record." in no_allergies.content.decode()
    assert ALICES not in unescape(allergies.content.decode())


def test_a_conversation_opened_by_staff_on_the_patients_side_points_to_the_console(
    nora, alice, clinic
):
    conversation = ConversationFactory(
        patient=alice.patient,
        created_by=alice,
        pool=MessagePoolFactory(organization=clinic, name="Nursing"),
        clinic_read_at=timezone.now(),
    )
    MessageFactory(conversation=conversation, author=alice, body="Is this normal?")
    address = reverse(
        "messaging:detail",
        kwargs={"patient_id": alice.patient.pk, "conversation_id": conversation.pk},
    )

    html = sign_in(Client(), nora).get(address).content.decode()
    listed = page(nora, "messaging:list", alice.patient)

    words = page_words(html)
    assert not SPEAKING_TO_THE_PATIENT.search(words.replace("Is this normal?", "")), words
    assert "the care team has read it" in words
    assert reverse("staff:conversation", kwargs={"conversation_id": conversation.pk}) in html
    assert "Send reply" not in html
    assert "Messages are not for emergencies" not in html
    assert f"<h1>{escape(ALICES)} messages</h1>" in listed
    assert reverse("staff:conversation_start", kwargs={"patient_id": alice.patient.pk}) in listed
    assert not SPEAKING_TO_THE_PATIENT.search(page_words(listed))


@pytest.mark.parametrize("name", ["audit:access_log", "downloads:download"])
def test_the_access_log_and_download_pages_name_the_patient_for_staff(nora, alice, name):
    words = page_words(page(nora, name, alice.patient))

    assert not SPEAKING_TO_THE_PATIENT.search(words), words
    assert ALICES in unescape(words)


@pytest.mark.parametrize(
    ("name", "heading"),
    [("audit:access_log", "Who looked at my record"), ("downloads:download", "Download your")],
)
def test_the_patient_still_reads_their_access_log_and_download_page_as_theirs(alice, name, heading):
    assert heading in page(alice, name, alice.patient)
