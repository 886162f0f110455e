"""Every sample message of lantern/hl7v2/tests/samples (see SOURCES.md) through the handlers, its
effect checked field by field. The samples are real-world files written by others, kept as sent
(LF between segments, byte-order marks, one ORU without OBX); a patient made with the shared
factories carries each sample's record number at the persona clinic, the only clinic, so the
sending facility (a lab's name in most samples) falls back to it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from lantern.access.models import StaffRole
from lantern.appointments.models import Appointment, AppointmentStatus
from lantern.audit.models import AuditAction, AuditEvent
from lantern.clinical.models import (
    DiagnosticReport,
    DiagnosticReportResult,
    Immunization,
    Observation,
    Patient,
)
from lantern.hl7v2.contract import AckCode
from lantern.hl7v2.handlers.results import fhir_id
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, StaffMembershipFactory, UserFactory

from .handle_support import SAMPLES, run_sample

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def values_of(report: DiagnosticReport) -> list[Observation]:
    links = DiagnosticReportResult.objects.filter(report=report).order_by("position")
    return [link.observation for link in links.select_related("observation")]


def patient_with(clinic, mrn: str) -> Patient:
    return PatientFactory(mrn=mrn, managing_organization=clinic)


def test_every_sample_file_is_covered_by_a_test_here():
    names = {path.name for path in SAMPLES.glob("*.hl7")}
    tested = {name for name in globals()["SAMPLE_TESTS"]}
    assert names == tested


# ORU^R01 ----------------------------------------------------------------------------------------


def test_lab_oru_1_two_panels_with_pending_values_and_a_bom(clinic):
    patient = patient_with(clinic, "10006579")

    outcome = run_sample("ORU_R01__msfhirconv_LAB-ORU-1.hl7")

    assert outcome.code == AckCode.ACCEPTED and outcome.patient == patient
    hemogram, differential = DiagnosticReport.objects.order_by("fhir_id")
    assert hemogram.source_system == "hl7v2:SomeSystem@"
    assert (hemogram.fhir_id, hemogram.code_system, hemogram.code, hemogram.display) == (
        "OBR.82503246",
        LOINC,
        "24317-0",
        "Hemogram and platelet count, automated",
    )
    # This sample puts its dates one field late (OBR-23) and its status in OBR-25 and 26: the
    # first OBR's OBR-25 is F, the second's is empty; OBR-7 and OBR-22 are empty.
    assert (hemogram.status, differential.status) == ("final", "unknown")
    assert hemogram.kind == "laboratory" and hemogram.category_code == ""
    assert hemogram.issued_at is None
    # No OBR-7: the specimen's collection time (SPM-17) is when it was taken, offset kept.
    assert hemogram.effective_at == at("2014-10-06T05:35:00+07:00")
    assert hemogram.patient == patient
    values = values_of(hemogram)
    assert [value.code for value in values] == [
        "11156-7",
        "11273-0",
        "20509-6",
        "20570-8",
        "11125-2",
    ]
    leukocytes, erythrocytes, hemoglobin, hematocrit, platelets = values
    # OBX-11 I (pending) without a value: registered, no value, the report's time.
    assert (leukocytes.status, leukocytes.value_type, leukocytes.value_quantity) == (
        "registered",
        "",
        None,
    )
    assert leukocytes.effective_at == at("2014-10-06T05:35:00+07:00")
    assert (erythrocytes.value_type, erythrocytes.value_quantity, erythrocytes.value_unit) == (
        "quantity",
        4.06,
        "tera.l-1",
    )
    assert (erythrocytes.status, erythrocytes.interpretation) == ("preliminary", "N")
    assert erythrocytes.interpretation_display == "Normal"
    assert erythrocytes.effective_at == at("2014-10-06T06:27:00+07:00")
    assert erythrocytes.reference_text == "" and erythrocytes.reference_low is None
    assert hemoglobin.status == "registered"
    assert (hematocrit.value_quantity, hematocrit.value_unit) == (40.1, "%")
    assert (platelets.value_quantity, platelets.value_unit, platelets.status) == (
        221.0,
        "giga.l-1",
        "final",
    )
    assert platelets.effective_at == at("2014-10-06T08:30:00+07:00")
    assert platelets.category == "laboratory"
    assert [value.code for value in values_of(differential)] == [
        "23761-0",
        "26450-7",
        "26478-8",
        "26485-3",
        "30180-4",
    ]
    assert [value.value_quantity for value in values_of(differential)] == [72, 2, 20, 6, 0]
    assert Observation.objects.count() == 10


def test_nist_lri_cbc_ranges_in_words_critical_flags_coded_and_text_values(clinic):
    patient = patient_with(clinic, "PATID1234")

    outcome = run_sample("ORU_R01__msfhirconv_NIST_LRI_CBC.hl7")

    assert outcome.code == AckCode.ACCEPTED
    report = DiagnosticReport.objects.get()
    assert report.source_system == "hl7v2:NIST Test Lab APP@NIST Lab Facility"
    assert report.fhir_id == fhir_id("OBR", "R-991133^NIST Lab Filler")
    assert (report.code, report.display, report.status, report.kind) == (
        "57021-8",
        "CBC W Auto Differential panel in Blood",
        "final",
        "laboratory",
    )
    assert report.effective_at == at("2011-01-03T14:34:28-08:00")
    assert report.issued_at == at("2011-01-04T17:00:28-08:00")
    assert report.patient == patient
    values = values_of(report)
    assert len(values) == 28
    erythrocytes = values[0]
    assert (erythrocytes.code, erythrocytes.display) == (
        "26453-1",
        "Erythrocytes [#/volume] in Blood",
    )
    assert (erythrocytes.value_quantity, erythrocytes.value_unit, erythrocytes.value_unit_code) == (
        4.41,
        "million per microliter",
        "10*6/uL",
    )
    # "4.3 to 6.2": both bounds, and the words as the lab wrote them.
    assert (erythrocytes.reference_low, erythrocytes.reference_high) == (4.3, 6.2)
    assert erythrocytes.reference_text == "4.3 to 6.2"
    assert erythrocytes.reference_ranges == [
        {
            "text": "4.3 to 6.2",
            "low": {"value": 4.3, "unit": "million per microliter"},
            "high": {"value": 6.2, "unit": "million per microliter"},
        }
    ]
    assert erythrocytes.effective_at == at("2011-01-03T14:34:28-08:00")
    hemoglobin = values[1]
    assert (hemoglobin.value_quantity, hemoglobin.interpretation) == (12.5, "L")
    assert hemoglobin.interpretation_display == "Low"
    leukocytes = values[3]
    assert (leukocytes.value_quantity, leukocytes.value_unit_code) == (105600, "{cells}/uL")
    assert (leukocytes.interpretation, leukocytes.interpretation_display) == (
        "HH",
        "Critical high",
    )
    assert leukocytes.interpretations == [{"code": "HH", "display": "Critical high"}]
    assert values[9].reference_low == 0 and values[9].reference_high == 0.3
    anisocytosis = values[19]
    assert anisocytosis.value_type == "codeable-concept"
    assert (
        anisocytosis.value_code_system,
        anisocytosis.value_code,
        anisocytosis.value_code_display,
    ) == (SNOMED, "260348001", "Present ++ out of ++++")
    assert anisocytosis.interpretation == "A"
    assert values[20].value_code_display == "not detected"
    morphology = values[25]
    assert (morphology.value_type, morphology.value_string, morphology.interpretation) == (
        "string",
        "Many spherocytes present.",
        "A",
    )
    assert {value.status for value in values} == {"final"}


def test_oru_r01_01_kitchen_sink_escapes_notes_and_skipped_pointers(clinic):
    patient = patient_with(clinic, "14")

    outcome = run_sample("ORU_R01__msfhirconv_ORU-R01-01.hl7")

    assert outcome.code == AckCode.ACCEPTED
    report = DiagnosticReport.objects.get()
    assert report.patient == patient
    assert report.fhir_id == fhir_id("OBR", "986^IA PHIMS Stage")
    assert (report.code, report.code_system, report.display) == (
        "625-4",
        "",  # "XYZ" is a local code system
        "Bacteria identified in Stool by Culture",
    )
    assert (report.status, report.kind, report.category_code) == ("final", "laboratory", "BLB")
    assert report.category_system == "http://terminology.hl7.org/CodeSystem/v2-0074"
    assert report.effective_at == at("2002-02-15T07:30:00+02:15")
    assert report.issued_at == at("2002-03-15T07:30:00+02:15")
    # The NTEs after OBR (before its OBX) are the report's comments; \T\ is "&".
    assert report.conclusion == (
        "Enteric culture includes testing for Salmonella, Shigella, Campylobacter, Yersinia, "
        "E.coli O157:H7 & other STECs, and Aeromonas\nAllergy to peanuts observed."
    )
    culture, bacteria = values_of(report)
    assert (culture.code, culture.value_type) == ("625-4", "codeable-concept")
    assert (culture.value_code_system, culture.value_code, culture.value_code_display) == (
        SNOMED,
        "27268008",
        "Salmonella",
    )
    assert (culture.status, culture.interpretation, culture.interpretation_display) == (
        "preliminary",
        "A",
        "Abnormal",
    )
    assert (culture.reference_low, culture.reference_high, culture.reference_text) == (
        70,
        80,
        "70-80",
    )
    assert culture.effective_at == dt.datetime(2012, 3, 1, tzinfo=UTC)
    assert culture.date_precisions == {"effective_at": "day"}
    # Its NTEs follow a PRT: still this value's notes.
    assert culture.note == "Submission of serum\nNo Antibodies Detected"
    # The NM with two repetitions (27~25) is kept as words, so neither value is lost.
    assert (bacteria.code, bacteria.value_type, bacteria.value_string) == (
        "8867-4",
        "string",
        "27; 25",
    )
    assert bacteria.status == "registered"
    # The RP and ED values (a link and an attachment) are not kept.
    assert Observation.objects.count() == 2


def test_nist_elr_lead_a_range_in_words_is_kept_as_words(clinic):
    patient = patient_with(clinic, "9817566735")

    outcome = run_sample("ORU_R01__nodehl7_NIST_ELR_SampleTestCase1.hl7")

    assert outcome.code == AckCode.ACCEPTED
    report = DiagnosticReport.objects.get()
    assert report.patient == patient
    assert (report.code, report.display, report.status) == ("10368-9", "Lead BldC-mCnc", "final")
    assert report.fhir_id == fhir_id("OBR", "9700123^Lab")
    assert report.effective_at == at("2008-08-15T10:30:00-07:00")
    assert report.issued_at == at("2008-08-18T18:00:00-07:00")
    lead = values_of(report)[0]
    assert (lead.value_quantity, lead.value_unit, lead.value_unit_code) == (
        50,
        "micro-gram per deci-liter",
        "ug/dL",
    )
    # A bound followed by words is not a range Lantern compares against: the words are kept.
    assert (lead.reference_low, lead.reference_high) == (None, None)
    assert lead.reference_text == "<9 mcg/dL:  Acceptable background lead exposure"
    assert (lead.interpretation, lead.interpretation_display) == ("H", "High")


def test_athena_an_oru_without_obx_is_a_report_with_no_values(clinic):
    patient = patient_with(clinic, "V001047")

    outcome = run_sample("ORU_R01__nodehl7_athena_oru-example.hl7")

    assert outcome.code == AckCode.ACCEPTED
    report = DiagnosticReport.objects.get()
    assert report.patient == patient
    assert report.source_system == "hl7v2:LAB@NASON"
    assert report.fhir_id == fhir_id("OBR", "1023:RC00001R-1^LAB.VVH")
    assert (report.code, report.display, report.code_system) == ("AMY", "AMYLASE", "")
    assert (report.status, report.kind, report.category_code) == ("corrected", "laboratory", "LAB")
    assert report.effective_at == at("2014-10-23T13:22:00-06:00")
    assert report.issued_at == at("2014-10-23T13:32:00-06:00")
    # The NTE after PID is about the patient, not a result: not kept.
    assert report.conclusion == ""
    assert values_of(report) == []
    event = AuditEvent.objects.get(object_type="DiagnosticReport")
    assert (event.patient_id, event.action, event.object_id) == (
        patient.pk,
        AuditAction.IMPORT,
        str(report.pk),
    )


# ADT^A04 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["ADT_A04__msfhirconv_ADT-A04-01.hl7", "ADT_A04__msfhirconv_ADT-A04-02.hl7"]
)
def test_adt_a04_registers_the_patient_with_what_pid_says(clinic, nora, name):
    # Nora works at the clinic: it is the one clinic Lantern serves, so the feed's is it.
    outcome = run_sample(name)

    assert outcome.code == AckCode.ACCEPTED
    patient = Patient.objects.get()
    assert outcome.patient == patient
    assert patient.managing_organization == clinic
    assert (patient.source_system, patient.fhir_id, patient.mrn) == (
        "hl7v2:ADTApp@GHHSFacility",
        "MRN.PATID1234",
        "PATID1234",
    )
    # The first repetition of PID-5 is the legal name; sub-components of the surname dropped.
    assert (patient.prefix, patient.given_names, patient.family_name, patient.suffix) == (
        "Dr.",
        "ADAM A",
        "EVERYMAN",
        "III",
    )
    # PID-7 is sent with a time and an offset: the birth date is its calendar day as sent.
    assert patient.birth_date == dt.date(1988, 8, 18)
    assert patient.sex == "male"
    assert (patient.address_line, patient.city, patient.state, patient.postal_code) == (
        "1000 Hospital Lane, Ste. 123",
        "Ann Arbor",
        "MI",
        "99999",
    )
    assert patient.country == "USA"
    assert patient.phone == "78788788"
    assert (patient.preferred_language, patient.preferred_language_display) == (
        "ara",
        "TextInEnglish",
    )
    # The social security number (type SS) is never kept.
    assert patient.identifiers == [{"system": "2.16.1", "value": "PATID1234", "type": "MR"}]
    assert patient.deceased is True
    assert patient.deceased_at == at("2008-08-25T11:16:30+01:15")


# SIU -------------------------------------------------------------------------------------------


def clinician(clinic, first: str, last: str):
    return StaffMembershipFactory(
        user=UserFactory(first_name=first, last_name=last),
        organization=clinic,
        role=StaffRole.CLINICIAN,
    ).user


def test_siu_s12_books_the_visit_at_the_time_ais_gives(clinic):
    patient = patient_with(clinic, "PATID1234")
    doctor = clinician(clinic, "Robert", "Ge")

    outcome = run_sample("SIU_S12__msfhirconv_SIU-S12-01.hl7")

    assert outcome.code == AckCode.ACCEPTED
    visit = Appointment.objects.get()
    assert (visit.patient, visit.clinician) == (patient, doctor)
    assert visit.starts_at == at("2021-09-24T09:30:00+02:15")
    assert visit.ends_at == at("2021-09-24T10:20:00+02:15")
    assert visit.status == AppointmentStatus.BOOKED
    assert (visit.booked_by, visit.booked_by_role) == (None, "system")
    # Place (AIL-3's facility) and kind of visit (AIS-3) the clinic did not have yet.
    assert (visit.location.name, visit.location.organization) == ("GH Clinic", clinic)
    assert visit.visit_type.name == "Biopsy of colon (procedure)"
    assert (visit.visit_type.length_minutes, visit.visit_type.patients_may_book) == (50, False)


def test_siu_s14_for_a_visit_not_seen_before_records_it_as_arrived(clinic):
    patient = patient_with(clinic, "489671")
    doctor = clinician(clinic, "", "Lisaporter")

    outcome = run_sample("SIU_S14__nodehl7_corepoint_siu-example.hl7")

    assert outcome.code == AckCode.ACCEPTED
    visit = Appointment.objects.get()
    assert (visit.patient, visit.clinician) == (patient, doctor)
    # SCH-11 gives 10:00 with no offset: the place's zone (the clinic's TIME_ZONE).
    assert visit.location.name == "HHR"
    assert visit.location.time_zone == "America/New_York"
    assert visit.starts_at == at("2008-03-06T10:00:00-05:00")
    # SCH-9 and SCH-10: 20 minutes.
    assert visit.ends_at == at("2008-03-06T10:20:00-05:00")
    assert visit.visit_type.name == "HEALTHCHECK ANY AGE"
    assert visit.status == AppointmentStatus.ARRIVED


# VXU^V04 ---------------------------------------------------------------------------------------


def test_vxu_v04_records_the_vaccine_given(clinic):
    patient = patient_with(clinic, "PATID1234")

    outcome = run_sample("VXU_V04__msfhirconv_VXU-V04-01.hl7")

    assert outcome.code == AckCode.ACCEPTED
    vaccine = Immunization.objects.get()
    assert vaccine.patient == patient
    assert (vaccine.source_system, vaccine.fhir_id) == ("hl7v2:IMMAPP@GHHSFacility", "RXA.13696")
    assert (vaccine.code_system, vaccine.code, vaccine.display) == (
        "http://hl7.org/fhir/sid/ndc",
        "49281021588",
        "TENIVAC",
    )
    assert vaccine.status == "completed"
    # RXA-3 is a date: its day, never shifted by time zone.
    assert vaccine.occurred_at == dt.datetime(2021, 8, 18, tzinfo=UTC)
    assert vaccine.date_precisions == {"occurred_at": "day"}
    assert (vaccine.primary_source, vaccine.lot_number) == (True, "315841")
    # The OBX about funding and the vaccine information statement are not results.
    assert Observation.objects.count() == 0


SAMPLE_TESTS = {
    "ORU_R01__msfhirconv_LAB-ORU-1.hl7",
    "ORU_R01__msfhirconv_NIST_LRI_CBC.hl7",
    "ORU_R01__msfhirconv_ORU-R01-01.hl7",
    "ORU_R01__nodehl7_NIST_ELR_SampleTestCase1.hl7",
    "ORU_R01__nodehl7_athena_oru-example.hl7",
    "ADT_A04__msfhirconv_ADT-A04-01.hl7",
    "ADT_A04__msfhirconv_ADT-A04-02.hl7",
    "SIU_S12__msfhirconv_SIU-S12-01.hl7",
    "SIU_S14__nodehl7_corepoint_siu-example.hl7",
    "VXU_V04__msfhirconv_VXU-V04-01.hl7",
}


def test_every_sample_result_and_vaccine_shows_and_downloads_as_valid_fhir_and_pdf(alice):
    """All the ORU and VXU samples replayed to one patient (as staff do from the error queue):
    every result page, trend and the immunizations page open, the FHIR download validates every
    resource, and the PDF is made."""
    for name in sorted(SAMPLE_TESTS):
        if name.startswith(("ORU", "VXU")):
            assert run_sample(name, patient=alice.patient).code == AckCode.ACCEPTED, name
    client = sign_in(Client(), alice)
    kwargs = {"patient_id": alice.patient_id}

    bundle = client.get(reverse("downloads:record_json", kwargs=kwargs))
    pdf = client.get(reverse("downloads:record_pdf", kwargs=kwargs))

    assert bundle.status_code == 200 and pdf.status_code == 200
    assert client.get(reverse("results:list", kwargs=kwargs)).status_code == 200
    for report in DiagnosticReport.objects.all():
        page = client.get(reverse("results:detail", kwargs={**kwargs, "report_id": report.pk}))
        assert page.status_code == 200, report.display
    for code in Observation.objects.values_list("code", flat=True).distinct():
        trend = client.get(reverse("results:trend", kwargs={**kwargs, "code": code}))
        assert trend.status_code == 200, code
    immunizations = client.get(reverse("record:immunizations", kwargs=kwargs))
    assert "TENIVAC" in immunizations.content.decode()
    types = [entry["resource"]["resourceType"] for entry in bundle.json()["entry"]]
    assert types.count("DiagnosticReport") == 6
    assert types.count("Observation") == Observation.objects.count() == 41
    assert types.count("Immunization") == 1
