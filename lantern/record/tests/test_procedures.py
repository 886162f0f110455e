"""The procedures part of the health record, and the procedures done at a visit (issue 11)."""

from __future__ import annotations

import datetime as dt
import json
from html import escape as html_escape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.audit.models import AuditAction, AuditEvent
from lantern.clinical.models import Location, Patient, Procedure, ProcedureStatus
from lantern.interop.fhir_import import import_paths
from lantern.interop.tests.bundles import DEMO_BUNDLES
from lantern.record.selectors import PER_PAGE, VISIT_ITEMS_LIMIT
from lantern.results.flags import plain_name
from lantern.staff.tests.test_staff_words import SPEAKING_TO_THE_PATIENT, page_words
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    ConditionFactory,
    EncounterFactory,
    PractitionerFactory,
    UserFactory,
)

from .conftest import queries_for
from .factories import ProcedureFactory

pytestmark = pytest.mark.django_db


def url(name: str, patient, **kwargs) -> str:
    return reverse(f"record:{name}", kwargs={"patient_id": patient.pk, **kwargs})


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def location(name: str) -> Location:
    return Location.objects.create(source_system="test", fhir_id=name, name=name)


def test_procedures_list_newest_first_with_plain_names_dates_status_place_and_reason(
    alice_client, alice
):
    visit = EncounterFactory(
        patient=alice.patient, period_start=dt.datetime(2024, 3, 5, 15, 0, tzinfo=dt.UTC)
    )
    ProcedureFactory(
        patient=alice.patient,
        display="Screening for depression (procedure)",
        performed_start=days_ago(2000),
        status=ProcedureStatus.NOT_DONE,
    )
    ProcedureFactory(
        patient=alice.patient,
        encounter=visit,
        display="Colonoscopy (procedure)",
        performed_start=dt.datetime(2024, 3, 5, 15, 30, tzinfo=dt.UTC),
        location=location("Riverside Endoscopy Unit"),
        reason_display="Polyp of colon (disorder)",
    )
    ProcedureFactory(patient=alice.patient, display="Not dated", performed_start=None)

    response = alice_client.get(url("procedures", alice.patient))
    names = [procedure.display for procedure in response.context["page"].object_list]
    content = response.content.decode()

    assert names == ["Colonoscopy (procedure)", "Screening for depression (procedure)", "Not dated"]
    assert ">Colonoscopy<" in content
    assert ">Screening for depression<" in content
    assert "(procedure)" not in content
    assert "Mar 5, 2024" in content
    assert "Not done" in content and "Completed" in content
    assert "Riverside Endoscopy Unit" in content
    assert "Polyp of colon" in content and "(disorder)" not in content
    # The date of a procedure done at a visit leads to the visit's page.
    assert f'href="{url("visit", alice.patient, visit_id=visit.pk)}"' in content
    assert response.context["current_section"] == "record"


def test_a_procedure_without_a_place_of_its_own_shows_where_its_visit_was(alice_client, alice):
    visit = EncounterFactory(patient=alice.patient, location=location("Main Street Clinic"))
    ProcedureFactory(patient=alice.patient, encounter=visit)

    content = alice_client.get(url("procedures", alice.patient)).content.decode()

    assert "Main Street Clinic" in content


def test_procedures_are_paginated(alice_client, alice):
    ProcedureFactory.create_batch(PER_PAGE + 5, patient=alice.patient)

    first = alice_client.get(url("procedures", alice.patient))
    second = alice_client.get(url("procedures", alice.patient) + "?page=2")

    assert len(first.context["page"].object_list) == PER_PAGE
    assert len(second.context["page"].object_list) == 5
    assert "Pages of procedures" in first.content.decode()


def test_the_procedures_page_shows_only_the_patients_own(alice_client, alice, charlie):
    ProcedureFactory(patient=charlie.patient, display="Charlie's appendectomy")

    content = alice_client.get(url("procedures", alice.patient)).content.decode()

    assert "Charlie's appendectomy" not in content
    assert "You have no procedures on record" in content
    assert alice_client.get(url("procedures", charlie.patient)).status_code == 404


def test_opening_the_procedures_page_is_audited(alice_client, alice):
    ProcedureFactory(patient=alice.patient)

    alice_client.get(url("procedures", alice.patient))

    assert AuditEvent.objects.filter(
        patient=alice.patient, action=AuditAction.VIEW, object_type="Procedure"
    ).exists()


def test_the_record_index_counts_procedures_and_links_to_them(alice_client, alice):
    ProcedureFactory.create_batch(2, patient=alice.patient)

    content = alice_client.get(url("index", alice.patient)).content.decode()

    assert "2 procedures" in content
    assert f'href="{url("procedures", alice.patient)}"' in content


def test_staff_read_the_patients_procedures_by_name(alice, nora):
    client = sign_in(Client(), nora)
    name = alice.patient.display_name

    no_procedures = client.get(url("procedures", alice.patient)).content.decode()
    ProcedureFactory(patient=alice.patient, display="Colonoscopy (procedure)")
    content = client.get(url("procedures", alice.patient)).content.decode()

    assert f"{name} has no procedures on record" in no_procedures
    assert f"{name}&#x27;s procedures" in content
    assert "Colonoscopy" in content
    for html in (no_procedures, content):
        assert not SPEAKING_TO_THE_PATIENT.search(page_words(html))


def test_staff_read_the_procedures_on_a_visit_page_without_you_or_your(alice, nora):
    visit = EncounterFactory(patient=alice.patient)
    Procedure.objects.bulk_create(
        ProcedureFactory.build_batch(VISIT_ITEMS_LIMIT + 1, patient=alice.patient, encounter=visit)
    )
    client = sign_in(Client(), nora)

    html = client.get(url("visit", alice.patient, visit_id=visit.pk)).content.decode()

    assert "Colonoscopy" in html
    assert not SPEAKING_TO_THE_PATIENT.search(page_words(html))


def test_the_procedures_page_costs_the_same_with_3_and_with_300_procedures(alice_client, alice):
    page = url("procedures", alice.patient)

    def add(count: int) -> None:
        for number in range(count):
            visit = EncounterFactory(
                patient=alice.patient, location=location(f"Clinic {count}-{number}")
            )
            ProcedureFactory(
                patient=alice.patient,
                encounter=visit,
                location=location(f"Room {count}-{number}") if number % 2 else None,
                reason_display="Chronic sinusitis (disorder)",
            )

    add(3)
    few = queries_for(alice_client, page)
    add(300)
    many = queries_for(alice_client, page)

    assert many == few


def test_a_visit_page_lists_the_procedures_done_at_it_and_no_others(alice_client, alice):
    visit = EncounterFactory(patient=alice.patient, practitioner=PractitionerFactory())
    other = EncounterFactory(patient=alice.patient)
    ProcedureFactory(
        patient=alice.patient,
        encounter=visit,
        display="Suture of wound (procedure)",
        location=location("Treatment room 2"),
        reason_display="Laceration of hand (disorder)",
    )
    ProcedureFactory(
        patient=alice.patient,
        encounter=visit,
        display="Tetanus shot planning",
        status=ProcedureStatus.NOT_DONE,
    )
    ProcedureFactory(patient=alice.patient, encounter=other, display="Knee replacement")

    content = alice_client.get(url("visit", alice.patient, visit_id=visit.pk)).content.decode()

    assert "<h2>Procedures</h2>" in content
    assert "Suture of wound, at Treatment room 2. Reason: Laceration of hand" in content
    assert "Tetanus shot planning (not done)" in content
    assert "Knee replacement" not in content


def test_a_visit_without_procedures_says_so(alice_client, alice):
    visit = EncounterFactory(patient=alice.patient)
    ProcedureFactory(patient=alice.patient, encounter=None)

    content = alice_client.get(url("visit", alice.patient, visit_id=visit.pk)).content.decode()

    assert "No procedures were recorded at this visit" in content


def test_a_visit_page_shows_a_bounded_number_of_procedures_and_says_there_are_more(
    alice_client, alice
):
    visit = EncounterFactory(patient=alice.patient)
    ConditionFactory(patient=alice.patient, encounter=visit)
    page = url("visit", alice.patient, visit_id=visit.pk)
    few = queries_for(alice_client, page)
    Procedure.objects.bulk_create(
        ProcedureFactory.build_batch(VISIT_ITEMS_LIMIT + 1, patient=alice.patient, encounter=visit)
    )

    response = alice_client.get(page)

    assert len(response.context["detail"].procedures) == VISIT_ITEMS_LIMIT
    assert response.context["detail"].has_more
    assert f'href="{url("procedures", alice.patient)}"' in response.content.decode()
    assert queries_for(alice_client, page) == few


def test_every_procedure_of_an_imported_synthea_record_is_on_its_page_and_its_visits(client):
    bundle = next(DEMO_BUNDLES.glob("Elsa_Vargas_*.json"))
    source = [
        entry["resource"]
        for entry in json.loads(bundle.read_text())["entry"]
        if entry["resource"]["resourceType"] == "Procedure"
    ]
    report = import_paths([bundle], source_system="demo", workers=1)
    assert not report.failed, report.failed
    user = UserFactory(username="elsa", patient=Patient.objects.get(source_system="demo"))
    sign_in(client, user)

    listing = client.get(url("procedures", user.patient))
    shown = {procedure.fhir_id for procedure in listing.context["page"].object_list}
    first = Procedure.objects.get(fhir_id=source[0]["id"])
    visit = client.get(url("visit", user.patient, visit_id=first.encounter_id)).content.decode()

    assert len(source) <= PER_PAGE
    assert shown == {resource["id"] for resource in source}
    assert html_escape(plain_name(source[0]["code"]["coding"][0]["display"])) in visit
