"""`manage.py generate_patients N` (issue 18, point 1): new synthetic patients copied from the
demo's Synthea patients, each a whole record of its own that Lantern's pages and policy treat
like any other."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F

from lantern.access.policy import patient_access
from lantern.accounts.models import User
from lantern.appointments.models import Appointment
from lantern.audit.models import AuditAction, AuditEvent
from lantern.clinical.models import (
    DiagnosticReport,
    DiagnosticReportResult,
    Encounter,
    Observation,
    Patient,
)
from lantern.demo.generator import GENERATED_SOURCE_SYSTEM, RESULT_COPIES
from lantern.demo.services import DEMO_SOURCE_SYSTEM
from lantern.messaging.models import Message
from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())


def generate(count: int) -> str:
    output = io.StringIO()
    call_command("generate_patients", str(count), stdout=output)
    return output.getvalue()


def generated() -> list[Patient]:
    return list(Patient.objects.filter(source_system=GENERATED_SOURCE_SYSTEM).order_by("fhir_id"))


def test_without_the_demo_data_it_says_to_load_it_first():
    with pytest.raises(CommandError, match="load_demo"):
        generate(2)


def test_each_new_patient_has_its_own_ids_mrn_and_about_200_observations(demo):
    output = generate(4)
    patients = generated()
    assert len(patients) == 4
    assert "Generated 4 patients" in output
    assert len({p.mrn for p in patients}) == 4
    assert all(p.mrn.startswith("GEN") and p.identifiers[0]["value"] == p.mrn for p in patients)
    counts = (
        Observation.objects.filter(patient__in=patients).values("patient").annotate(n=Count("id"))
    )
    assert all(150 <= row["n"] <= 260 for row in counts), list(counts)
    templates = Patient.objects.filter(source_system=DEMO_SOURCE_SYSTEM)
    template_fhir_ids = set(templates.values_list("fhir_id", flat=True))
    assert not template_fhir_ids & {p.fhir_id for p in patients}


def test_copies_point_at_their_own_encounters_and_reports(demo):
    generate(3)
    patients = generated()
    observations = Observation.objects.filter(patient__in=patients, encounter__isnull=False)
    assert observations.exists()
    assert not observations.exclude(encounter__patient=F("patient")).exists()
    links = DiagnosticReportResult.objects.filter(report__patient__in=patients)
    assert links.exists()
    assert not links.exclude(observation__patient=F("report__patient")).exists()
    for patient in patients:
        assert Encounter.objects.filter(patient=patient).exists()
        reports = DiagnosticReport.objects.filter(patient=patient).count()
        assert reports % RESULT_COPIES == 0 and reports > 0


def test_dates_are_moved_and_older_copies_go_back_in_years(demo):
    generate(1)
    patient = generated()[0]
    dates = sorted(
        Observation.objects.filter(patient=patient).values_list("effective_at", flat=True)
    )
    assert (dates[-1] - dates[0]).days > 365 * 4


def test_a_generated_patient_has_an_account_visits_and_messages_and_an_import_event(demo):
    generate(2)
    patient = generated()[0]
    user = User.objects.get(patient=patient)
    assert not user.has_usable_password()
    assert Appointment.objects.filter(patient=patient).count() >= 4
    assert Message.objects.filter(conversation__patient=patient).count() >= 4
    assert AuditEvent.objects.filter(patient=patient, action=AuditAction.IMPORT).count() == 1


def test_running_it_again_adds_more_patients_after_the_first(demo):
    generate(2)
    generate(3)
    assert len({p.fhir_id for p in generated()}) == 5


def test_a_generated_patients_results_page_opens_through_the_policy(demo, client):
    generate(1)
    patient = generated()[0]
    user = User.objects.get(patient=patient)
    assert patient_access(user, patient.pk).patient == patient
    sign_in(client, user)
    response = client.get(f"/patients/{patient.pk}/results/")
    assert response.status_code == 200
