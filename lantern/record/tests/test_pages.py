"""The health summary pages: what they show, in which order, and to whom."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.clinical.models import (
    AllergyCriticality,
    ConditionClinicalStatus,
    MedicationRequestStatus,
    ObservationCategory,
)
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    AllergyFactory,
    ConditionFactory,
    DiagnosticReportFactory,
    DocumentFactory,
    EncounterFactory,
    ImmunizationFactory,
    MedicationRequestFactory,
    ObservationFactory,
    PractitionerFactory,
    ProxyRelationshipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECTIONS = [
    "index",
    "problems",
    "medications",
    "allergies",
    "immunizations",
    "vitals",
    "procedures",
    "visits",
    "documents",
]

EMPTY_STATES = {
    "problems": "You have no health problems on record",
    "medications": "You have no medications on record",
    "allergies": "You have no allergies on record",
    "immunizations": "You have no vaccines on record",
    "vitals": "You have no vital signs on record",
    "procedures": "You have no procedures on record",
    "visits": "You have no visits on record",
    "documents": "You have no documents on record",
}


def url(name: str, patient, **kwargs) -> str:
    return reverse(f"record:{name}", kwargs={"patient_id": patient.pk, **kwargs})


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def text_of(response) -> str:
    return response.content.decode()


def test_the_record_link_takes_a_patient_to_their_own_record_index(alice_client, alice):
    response = alice_client.get("/record/")

    assert response.status_code == 302
    assert response["Location"] == url("index", alice.patient)


def test_the_medications_link_takes_a_patient_to_their_own_medications(alice_client, alice):
    response = alice_client.get("/medications/")

    assert response.status_code == 302
    assert response["Location"] == url("medications", alice.patient)


def test_the_record_link_sends_a_signed_out_visitor_to_sign_in(client):
    response = client.get("/record/")

    assert response.status_code == 302
    assert "/record/" not in response["Location"].split("?")[0]


@pytest.mark.parametrize("section", SECTIONS)
def test_alice_gets_not_found_for_every_page_of_charlies_record(alice_client, charlie, section):
    assert alice_client.get(url(section, charlie.patient)).status_code == 404


def test_alice_gets_not_found_for_charlies_visit_and_document_even_under_her_own_id(
    alice_client, alice, charlie
):
    visit = EncounterFactory(patient=charlie.patient)
    document = DocumentFactory(patient=charlie.patient, content_text="Charlie's secret note")

    for patient in (alice.patient, charlie.patient):
        assert alice_client.get(url("visit", patient, visit_id=visit.pk)).status_code == 404
        response = alice_client.get(url("document", patient, document_id=document.pk))
        assert response.status_code == 404


@pytest.mark.parametrize("section", SECTIONS)
def test_every_page_has_one_heading_and_marks_its_section(alice_client, alice, section):
    response = alice_client.get(url(section, alice.patient))

    assert response.status_code == 200
    assert text_of(response).count("<h1") == 1
    expected = "medications" if section == "medications" else "record"
    assert response.context["current_section"] == expected


@pytest.mark.parametrize(("section", "message"), EMPTY_STATES.items())
def test_every_section_explains_when_it_is_empty_and_offers_a_next_step(
    alice_client, alice, charlie, section, message
):
    # Charlie's records must not fill Alice's pages.
    ConditionFactory(patient=charlie.patient)
    MedicationRequestFactory(patient=charlie.patient)
    EncounterFactory(patient=charlie.patient)
    ObservationFactory(
        patient=charlie.patient, code="29463-7", category=ObservationCategory.VITAL_SIGNS
    )

    content = text_of(alice_client.get(url(section, alice.patient)))

    assert message in content
    assert "usa-table" not in content


def test_the_index_counts_each_section_and_links_to_the_access_log(alice_client, alice, charlie):
    ConditionFactory.create_batch(3, patient=alice.patient)
    ConditionFactory.create_batch(5, patient=charlie.patient)
    MedicationRequestFactory(patient=alice.patient)

    content = text_of(alice_client.get(url("index", alice.patient)))

    assert "3 health problems" in content
    assert "1 medication<" in content
    assert "Who looked at my record" in content
    for section in SECTIONS[1:]:
        assert f'href="{url(section, alice.patient)}"' in content
    assert reverse("audit:access_log", kwargs={"patient_id": alice.patient.pk}) in content


def test_health_problems_list_active_ones_first_then_resolved_with_their_onset(alice_client, alice):
    ConditionFactory(
        patient=alice.patient,
        display="Sprained ankle",
        clinical_status=ConditionClinicalStatus.RESOLVED,
        onset_at=days_ago(1),
    )
    ConditionFactory(patient=alice.patient, display="Asthma", onset_at=days_ago(900))
    ConditionFactory(patient=alice.patient, display="Hypertension", onset_at=days_ago(30))

    response = alice_client.get(url("problems", alice.patient))
    names = [problem.display for problem in response.context["page"].object_list]

    assert names == ["Hypertension", "Asthma", "Sprained ankle"]
    assert days_ago(900).strftime("%b") in text_of(response)
    assert "Resolved" in text_of(response)


def test_health_problems_are_paginated_25_to_a_page(alice_client, alice):
    ConditionFactory.create_batch(30, patient=alice.patient)

    first = alice_client.get(url("problems", alice.patient))
    second = alice_client.get(url("problems", alice.patient) + "?page=2")

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert "usa-pagination" in text_of(first)
    assert "Page 2 of 2" in text_of(second)


def test_medications_list_active_ones_first_with_dosage_prescriber_date_and_refills(
    alice_client, alice
):
    prescriber = PractitionerFactory(given_names="Maria", family_name="Lopez")
    MedicationRequestFactory(
        patient=alice.patient,
        display="Amoxicillin 500 MG",
        status=MedicationRequestStatus.COMPLETED,
        authored_at=days_ago(1),
    )
    MedicationRequestFactory(
        patient=alice.patient,
        display="Lisinopril 10 MG",
        prescriber=prescriber,
        refills_allowed=5,
        authored_at=days_ago(100),
    )

    response = alice_client.get(url("medications", alice.patient))
    names = [medication.display for medication in response.context["page"].object_list]
    content = text_of(response)

    assert names == ["Lisinopril 10 MG", "Amoxicillin 500 MG"]
    assert "Dr. Maria Lopez" in content
    assert "Take 1 tablet by mouth once a day" in content
    assert ">5<" in content


def test_allergies_show_reactions_and_risk_in_words(alice_client, alice):
    AllergyFactory(
        patient=alice.patient,
        display="Penicillin",
        criticality=AllergyCriticality.HIGH,
        reactions=[{"manifestation": "Hives", "severity": "severe"}, {"manifestation": "Rash"}],
    )

    content = text_of(alice_client.get(url("allergies", alice.patient)))

    assert "Penicillin" in content
    assert "Hives (severe), Rash" in content
    assert "High risk" in content
    assert 'class="usa-tag' in content


def test_allergies_drop_snomeds_tags_from_substances_and_reactions(alice_client, alice):
    # As US Core's examples and many EHRs send them.
    AllergyFactory(
        patient=alice.patient,
        display="Product containing sulfonamide (product)",
        reactions=[{"manifestation": "Eruption of skin (disorder)", "severity": "mild"}],
    )
    AllergyFactory(patient=alice.patient, display="Latex (substance)", reactions=[])

    content = text_of(alice_client.get(url("allergies", alice.patient)))

    assert "Product containing sulfonamide" in content and "Latex" in content
    assert "Eruption of skin (mild)" in content
    assert "(product)" not in content and "(substance)" not in content
    assert "(disorder)" not in content


def test_immunizations_list_vaccines_newest_first(alice_client, alice):
    ImmunizationFactory(patient=alice.patient, display="Tetanus", occurred_at=days_ago(400))
    ImmunizationFactory(patient=alice.patient, display="Influenza", occurred_at=days_ago(10))

    response = alice_client.get(url("immunizations", alice.patient))
    names = [shot.display for shot in response.context["page"].object_list]

    assert names == ["Influenza", "Tetanus"]


def test_vitals_show_the_latest_value_of_each_sign_with_a_link_to_its_trend(alice_client, alice):
    vital = {"patient": alice.patient, "category": ObservationCategory.VITAL_SIGNS}
    ObservationFactory(
        **vital, code="29463-7", value_quantity=70, value_unit="kg", effective_at=days_ago(30)
    )
    ObservationFactory(
        **vital, code="29463-7", value_quantity=68.5, value_unit="kg", effective_at=days_ago(2)
    )
    ObservationFactory(
        **vital,
        code="85354-9",
        value_quantity=None,
        value_unit="",
        components=[
            {"code": "8480-6", "display": "Systolic", "value": 128.0, "unit": "mm[Hg]"},
            {"code": "8462-4", "display": "Diastolic", "value": 82.0, "unit": "mm[Hg]"},
        ],
    )
    # A lab value is not a vital sign.
    ObservationFactory(patient=alice.patient, code="4548-4")

    response = alice_client.get(url("vitals", alice.patient))
    vitals = {vital.label: vital for vital in response.context["vital_signs"]}
    content = text_of(response)

    assert list(vitals) == ["Blood pressure", "Weight"]
    assert vitals["Weight"].value == "68.5 kg"
    assert vitals["Blood pressure"].value == "128/82 mmHg"
    assert f"/patients/{alice.patient.pk}/results/trends/29463-7/" in content
    assert f"/patients/{alice.patient.pk}/results/trends/85354-9/" in content


def test_visits_list_newest_first_with_type_clinician_and_place(alice_client, alice):
    clinician = PractitionerFactory(given_names="Sam", family_name="Okafor")
    EncounterFactory(patient=alice.patient, type_display="Check-up", period_start=days_ago(300))
    EncounterFactory(
        patient=alice.patient,
        type_display="Flu visit",
        period_start=days_ago(3),
        practitioner=clinician,
    )

    response = alice_client.get(url("visits", alice.patient))
    kinds = [visit.type_display for visit in response.context["page"].object_list]

    assert kinds == ["Flu visit", "Check-up"]
    assert "Dr. Sam Okafor" in text_of(response)


def test_a_visit_page_lists_its_diagnoses_and_results_but_not_other_visits(alice_client, alice):
    visit = EncounterFactory(patient=alice.patient, type_display="Check-up")
    other = EncounterFactory(patient=alice.patient)
    ConditionFactory(patient=alice.patient, encounter=visit, display="Prediabetes")
    ConditionFactory(patient=alice.patient, encounter=other, display="Broken wrist")
    ObservationFactory(
        patient=alice.patient, encounter=visit, value_quantity=6.1, interpretation="H"
    )
    DiagnosticReportFactory(patient=alice.patient, encounter=visit, conclusion="Cholesterol high")

    content = text_of(alice_client.get(url("visit", alice.patient, visit_id=visit.pk)))

    assert "Prediabetes" in content
    assert "Broken wrist" not in content
    assert "6.1 %" in content
    assert "High" in content and 'class="usa-tag' in content
    assert "Cholesterol high" in content


def test_a_visit_without_diagnoses_or_results_says_so(alice_client, alice):
    visit = EncounterFactory(patient=alice.patient)

    content = text_of(alice_client.get(url("visit", alice.patient, visit_id=visit.pk)))

    assert "No diagnoses were recorded at this visit" in content
    assert "No test results were recorded at this visit" in content


def test_documents_list_newest_first_and_a_document_shows_its_text_escaped(alice_client, alice):
    DocumentFactory(patient=alice.patient, title="Old letter", date=days_ago(200))
    document = DocumentFactory(
        patient=alice.patient,
        title="After-visit summary",
        date=days_ago(1),
        content_text="Keep taking <script>alert(1)</script> your tablets.\nSecond line.",
    )

    listing = alice_client.get(url("documents", alice.patient))
    titles = [item.title for item in listing.context["page"].object_list]
    content = text_of(alice_client.get(url("document", alice.patient, document_id=document.pk)))

    assert titles == ["After-visit summary", "Old letter"]
    assert "<pre" in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<script>alert(1)" not in content


def test_staff_of_the_clinic_can_open_the_patients_record(alice, nora):
    client = sign_in(Client(), nora)

    assert client.get(url("problems", alice.patient)).status_code == 200


def test_staff_of_another_clinic_get_not_found(alice, olga):
    client = sign_in(Client(), olga)

    assert client.get(url("index", alice.patient)).status_code == 404


def test_medications_say_what_each_is_for_without_snomeds_tags(alice_client, alice):
    MedicationRequestFactory(
        patient=alice.patient, display="Lisinopril 10 MG", reason_display="Hypertension (disorder)"
    )
    MedicationRequestFactory(patient=alice.patient, display="Vitamin D", reason_display="")

    content = text_of(alice_client.get(url("medications", alice.patient)))

    assert "What it is for" in content
    assert "Hypertension" in content and "(disorder)" not in content


def test_the_medicines_cells_escape_what_the_record_says_and_name_their_columns(
    alice_client, alice
):
    # The rows' cells are worded in Python (record.presenters), not by the template's escaping.
    for status in (MedicationRequestStatus.ACTIVE, MedicationRequestStatus.STOPPED):
        MedicationRequestFactory(
            patient=alice.patient,
            status=status,
            display=f"<b>{status}</b> & co",
            dosage_text="<script>alert(1)</script>",
            reason_display="<i>Pain</i>",
        )

    page = alice_client.get(url("medications", alice.patient)).content.decode()

    for table in ("current-medications", "past-medications"):
        rows = page.split(f'data-testid="{table}"')[1].split("</table>")[0]
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rows
        assert "&lt;i&gt;Pain&lt;/i&gt;" in rows and "&amp; co" in rows
        assert "<script>" not in rows and "<b>" not in rows and "<i>" not in rows
        assert '<td data-label="How to take it">' in rows
        assert '<td data-label="What it is for">' in rows
    assert '<td data-label="Refills" data-testid="refill-state">' in page


@pytest.mark.parametrize("section", EMPTY_STATES)
def test_a_caregiver_reads_an_empty_section_by_name_with_no_link_to_their_own_messages(
    alice, section
):
    # The caregiver is not a patient: "/messages/" (their own messages) would be a 404 for them.
    caregiver = UserFactory(username="gina")
    ProxyRelationshipFactory(proxy=caregiver, patient=alice.patient)
    client = sign_in(Client(), caregiver)

    content = text_of(client.get(url(section, alice.patient)))

    assert "Alice Adams has no" in content
    assert "You have no " not in content.replace("You have not done", "")
    assert 'href="/messages/"' not in content
