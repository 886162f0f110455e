"""ORU^R01 through the handlers: values of every kind, ranges, flags, notes, grouping, resends,
errors, and results that reach the patient's pages, proxies and downloads like any other."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from lantern.access.policy import patient_access
from lantern.clinical.models import (
    DiagnosticReport,
    DiagnosticReportResult,
    Observation,
    ReportKind,
)
from lantern.hl7v2.contract import AckCode
from lantern.results.flags import observation_status
from lantern.results.models import ResultReleaseDelay
from lantern.results.selectors import new_results_counts
from lantern.testing.auth import sign_in
from lantern.testing.factories import OrganizationFactory, PatientFactory

from .handle_support import message, run

pytestmark = pytest.mark.django_db

PID = "PID|1||{mrn}^^^RIVERSIDE^MR||Test^Patient||19800101|F"
OBR = (
    "OBR|{n}|PL-{n}|ORD-{n}|24323-8^Comprehensive metabolic panel^LN|||20260301083000-0500"
    "|||||||||||||||20260301110000-0500|||F"
)


def oru(*segments: str, mrn: str = "MRN-A", control: str = "CTRL-1") -> str:
    return message(PID.format(mrn=mrn), *segments, control=control)


def obr(n: int = 1) -> str:
    return OBR.format(n=n)


@pytest.fixture
def patient(alice):
    alice.patient.mrn = "MRN-A"
    alice.patient.save(update_fields=["mrn"])
    return alice.patient


def apply_value(obx: str, *after: str) -> Observation:
    outcome = run(oru(obr(), obx, *after))
    assert outcome.code == AckCode.ACCEPTED, outcome
    return Observation.objects.get(fhir_id="OBX.ORD-1.1")


# Value types -----------------------------------------------------------------------------------


def test_a_numeric_value_keeps_its_number_unit_and_ucum_code(patient):
    value = apply_value(
        "OBX|1|NM|2345-7^Glucose^LN||95.5|mg/dL^milligrams per deciliter^UCUM|70-99|N|||F"
    )

    assert (value.value_type, value.value_quantity) == ("quantity", 95.5)
    assert (value.value_unit, value.value_unit_code) == ("milligrams per deciliter", "mg/dL")
    assert (value.code_system, value.code, value.display) == (
        "http://loinc.org",
        "2345-7",
        "Glucose",
    )
    assert (value.reference_low, value.reference_high, value.reference_text) == (70, 99, "70-99")
    assert observation_status(value).word == "Normal"


def test_a_unit_in_undeclared_utf8_is_kept_as_sent(patient):
    # State laboratories send "µmol/L" in UTF-8 and leave MSH-18 empty (`run` sends UTF-8).
    value = apply_value("OBX|1|NM|47700-4^Leucine^LN||125|µmol/L^^UCUM|<250|N|||F")

    assert (value.value_quantity, value.value_unit) == (125, "µmol/L")


def test_a_number_that_is_not_a_number_is_refused_with_its_location_and_nothing_is_kept(patient):
    outcome = run(
        oru(
            obr(),
            "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL||N|||F",
            "OBX|2|NM|2951-2^Sodium^LN||high|mmol/L||N|||F",
        )
    )

    assert (outcome.code, outcome.reason, outcome.error_location) == (
        AckCode.ERROR,
        "OBX value is not a number",
        "OBX^2^5",
    )
    # The report and the first value were written before the fault: all undone.
    assert DiagnosticReport.objects.count() == 0 and Observation.objects.count() == 0


def test_text_values_st_tx_and_ft_keep_their_lines_and_unescaped_characters(patient):
    run(
        oru(
            obr(),
            "OBX|1|ST|8251-1^Comment^LN||Seen by A&E, ratio 1:2 \\T\\ more||||||F",
            "OBX|2|TX|8251-1^Comment^LN||First line~Second line||||||F",
            "OBX|3|FT|8251-1^Comment^LN||Line one\\.br\\Line two \\H\\bold\\N\\ \\F\\ pipe||||||F",
        )
    )

    st, tx, ft = (Observation.objects.get(fhir_id=f"OBX.ORD-1.{n}") for n in (1, 2, 3))
    # An "&" sent unescaped inside text is text, as is an escaped one (\T\).
    assert st.value_string == "Seen by A&E, ratio 1:2 & more"
    assert (tx.value_type, tx.value_string) == ("string", "First line\nSecond line")
    # \.br\ is a line break; highlighting codes (\H\ \N\) are dropped, \F\ is a "|".
    assert ft.value_string == "Line one\nLine two bold | pipe"


def test_coded_values_ce_and_cwe_keep_their_coding_or_the_alternate_one(patient):
    run(
        oru(
            obr(),
            "OBX|1|CE|600-7^Bacteria identified^LN||3092008^Staphylococcus aureus^SCT||||||F",
            "OBX|2|CWE|600-7^Bacteria identified^LN||^^^L-123^Local organism^99LAB||||||F",
        )
    )

    snomed, local = (Observation.objects.get(fhir_id=f"OBX.ORD-1.{n}") for n in (1, 2))
    assert (snomed.value_type, snomed.value_code_system, snomed.value_code) == (
        "codeable-concept",
        "http://snomed.info/sct",
        "3092008",
    )
    assert snomed.value_code_display == "Staphylococcus aureus"
    assert (local.value_code_system, local.value_code, local.value_code_display) == (
        "",
        "L-123",
        "Local organism",
    )


@pytest.mark.parametrize(
    ("sn", "expected"),
    [
        ("^5.2", {"value_type": "quantity", "value_quantity": 5.2, "value_unit": "mg/L"}),
        ("<^5", {"value_type": "string", "value_string": "<5", "value_unit": "mg/L"}),
        (">^60", {"value_type": "string", "value_string": ">60", "value_unit": "mg/L"}),
        (
            "^3^-^5",
            {
                "value_type": "range",
                "value_data": {
                    "low": {"value": 3.0, "unit": "mg/L"},
                    "high": {"value": 5.0, "unit": "mg/L"},
                },
            },
        ),
        (
            "^1^:^128",
            {
                "value_type": "ratio",
                "value_data": {"numerator": {"value": 1.0}, "denominator": {"value": 128.0}},
            },
        ),
        (
            "^1^/^2",
            {
                "value_type": "ratio",
                "value_data": {"numerator": {"value": 1.0}, "denominator": {"value": 2.0}},
            },
        ),
        ("^2^+", {"value_type": "string", "value_string": "2+"}),
    ],
)
def test_structured_numeric_values_are_numbers_bounds_ranges_or_ratios(patient, sn, expected):
    value = apply_value(f"OBX|1|SN|1988-5^C reactive protein^LN||{sn}|mg/L|||||F")

    assert {name: getattr(value, name) for name in expected} == expected


def test_dates_and_times_are_kept_in_fhir_form(patient):
    run(
        oru(
            obr(),
            "OBX|1|DT|29769-7^Date presented^LN||20210818||||||F",
            "OBX|2|TS|29769-7^Date presented^LN||202108181130-0400||||||F",
            "OBX|3|TM|8478-0^Time^LN||0930||||||F",
        )
    )

    day, moment, time = (Observation.objects.get(fhir_id=f"OBX.ORD-1.{n}") for n in (1, 2, 3))
    assert (day.value_type, day.value_string) == ("date-time", "2021-08-18")
    assert moment.value_string == "2021-08-18T11:30:00-04:00"
    assert (time.value_type, time.value_string) == ("time", "09:30:00")


def test_a_value_repeated_with_tildes_is_kept_whole_as_words(patient):
    value = apply_value("OBX|1|CWE|600-7^Organisms^LN||1^E. coli^L~2^Klebsiella^L||||||F")

    assert (value.value_type, value.value_string) == ("string", "E. coli; Klebsiella")


def test_encapsulated_data_and_pointers_are_not_kept_but_the_rest_is(patient):
    outcome = run(
        oru(
            obr(),
            "OBX|1|ED|11502-2^Report^LN||^AP^PDF^Base64^JVBERi0=||||||F",
            "OBX|2|RP|11502-2^Report^LN||https://lab.example/r/1^^TEXT||||||F",
            "OBX|3|NM|2345-7^Glucose^LN||95|mg/dL|||||F",
        )
    )

    assert outcome.code == AckCode.ACCEPTED
    assert list(Observation.objects.values_list("fhir_id", flat=True)) == ["OBX.ORD-1.3"]


# Ranges and flags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "low", "high"),
    [
        ("3.5-5.0", 3.5, 5.0),
        ("3.5 - 5.0", 3.5, 5.0),
        ("4.3 to 6.2", 4.3, 6.2),
        ("-2.0-2.0", -2.0, 2.0),
        ("<200", None, 200),
        ("<=200", None, 200),
        (">60", 60, None),
        ("Negative", None, None),
        ("<9 mcg/dL: acceptable", None, None),
    ],
)
def test_reference_ranges_give_the_bounds_they_state_and_keep_the_text(patient, given, low, high):
    value = apply_value(f"OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|{given}||||F")

    assert (value.reference_low, value.reference_high, value.reference_text) == (low, high, given)


@pytest.mark.parametrize(
    ("flag", "display", "word"),
    [
        ("H", "High", "High"),
        ("L", "Low", "Low"),
        ("HH", "Critical high", "Critical"),
        ("LL", "Critical low", "Critical"),
        ("A", "Abnormal", "Abnormal"),
        ("AA", "Critical abnormal", "Critical"),
        ("N", "Normal", "Normal"),
        ("POS", "Positive", "Abnormal"),
        ("NEG", "Negative", "Normal"),
    ],
)
def test_abnormal_flags_become_the_interpretation_codes_the_record_words(
    patient, flag, display, word
):
    value = apply_value(f"OBX|1|NM|2345-7^Glucose^LN||95|mg/dL||{flag}|||F")

    assert (value.interpretation, value.interpretation_display) == (flag, display)
    assert observation_status(value).word == word


def test_every_flag_of_a_repeated_obx_8_is_kept_the_first_one_read(patient):
    value = apply_value("OBX|1|NM|2345-7^Glucose^LN||300|mg/dL|70-99|H~U|||F")

    assert value.interpretation == "H"
    assert value.interpretations == [
        {"code": "H", "display": "High"},
        {"code": "U", "display": "Significant change up"},
    ]


def test_without_a_flag_the_range_decides_the_words(patient):
    value = apply_value("OBX|1|NM|2345-7^Glucose^LN||130|mg/dL|70-99||||F")

    assert value.interpretation == ""
    assert observation_status(value).word == "High"


# Notes, grouping, statuses ---------------------------------------------------------------------


def test_nte_after_obr_is_the_report_comment_and_after_obx_the_value_note(patient):
    run(
        oru(
            obr(),
            "NTE|1|L|Specimen slightly hemolyzed.",
            "NTE|2|L|Repeat advised\\.br\\within a week.",
            "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||F",
            "NTE|1|L|Fasting sample~confirmed by phone",
        )
    )

    report = DiagnosticReport.objects.get()
    assert report.conclusion == "Specimen slightly hemolyzed.\nRepeat advised\nwithin a week."
    value = Observation.objects.get()
    assert value.note == "Fasting sample\nconfirmed by phone"


def test_several_orders_in_one_message_become_reports_each_with_its_own_values(patient):
    outcome = run(
        oru(
            "ORC|RE|PL-1|ORD-1",
            obr(1),
            "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||F",
            "OBX|2|NM|2951-2^Sodium^LN||140|mmol/L|||||F",
            "ORC|RE|PL-2|ORD-2",
            "OBR|2|PL-2|ORD-2|57021-8^CBC^LN|||20260301083000-0500||||||||||||||||||P",
            "OBX|1|NM|718-7^Hemoglobin^LN||13.5|g/dL|||||P",
            "OBX|2|NM|26464-8^Leukocytes^LN||6.1|10*3/uL|||||P",
            "OBX|3|NM|26515-7^Platelets^LN||250|10*3/uL|||||P",
        )
    )

    assert outcome.code == AckCode.ACCEPTED
    panel, cbc = DiagnosticReport.objects.order_by("fhir_id")
    assert (panel.status, cbc.status, cbc.display) == ("final", "preliminary", "CBC")

    def codes(report):
        links = DiagnosticReportResult.objects.filter(report=report).order_by("position")
        return [link.observation.code for link in links]

    assert codes(panel) == ["2345-7", "2951-2"]
    assert codes(cbc) == ["718-7", "26464-8", "26515-7"]
    assert set(Observation.objects.values_list("status", flat=True)) == {"final", "preliminary"}


def test_obx_before_any_obr_are_values_of_no_report(patient):
    run(oru("OBX|1|NM|8867-4^Heart rate^LN||72|/min|||||F|||202603010900-0500"))

    value = Observation.objects.get()
    assert value.fhir_id == "OBX.CTRL-1.1"
    assert not DiagnosticReportResult.objects.exists()
    assert value.effective_at == dt.datetime(2026, 3, 1, 14, 0, tzinfo=dt.UTC)


def test_an_oru_with_neither_obr_nor_obx_is_refused(patient):
    outcome = run(oru())

    assert (outcome.code, outcome.reason) == (
        AckCode.ERROR,
        "the message has no results (OBR or OBX)",
    )


def test_a_status_outside_table_0085_is_refused(patient):
    outcome = run(oru(obr(), "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||Q"))

    assert (outcome.code, outcome.error_location) == (AckCode.ERROR, "OBX^1^11")


def test_a_time_without_an_offset_is_in_the_clinics_zone(patient, settings):
    settings.TIME_ZONE = "America/Chicago"

    value = apply_value("OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||F|||202607010900")

    assert value.effective_at == dt.datetime(2026, 7, 1, 14, 0, tzinfo=dt.UTC)


# Resends and corrections -----------------------------------------------------------------------


def test_the_same_message_twice_duplicates_nothing(patient):
    text = oru(obr(), "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||F")

    run(text)
    run(text)

    assert (DiagnosticReport.objects.count(), Observation.objects.count()) == (1, 1)
    assert DiagnosticReportResult.objects.count() == 1


def test_a_corrected_report_updates_its_values_and_drops_those_it_no_longer_lists(patient):
    run(
        oru(
            obr(),
            "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||P",
            "OBX|2|NM|2951-2^Sodium^LN||140|mmol/L|||||P",
        )
    )
    first = Observation.objects.get(fhir_id="OBX.ORD-1.1")

    run(
        oru(
            obr()[:-1] + "C",
            "OBX|1|NM|2345-7^Glucose^LN||105|mg/dL||H|||C",
            control="CTRL-2",
        )
    )

    report = DiagnosticReport.objects.get()
    value = Observation.objects.get()
    assert value.pk == first.pk
    assert (report.status, value.status, value.value_quantity) == ("corrected", "corrected", 105)
    assert value.interpretation == "H"


# Patients, clinics and errors ------------------------------------------------------------------


def test_a_patient_the_clinic_does_not_have_is_ae_patient_not_found(patient):
    outcome = run(oru(obr(), "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||F", mrn="NOBODY"))

    assert (outcome.code, outcome.reason, outcome.error_location) == (
        AckCode.ERROR,
        "patient not found",
        "PID^1^3",
    )
    assert outcome.patient is None
    assert not DiagnosticReport.objects.exists()


def test_a_patient_of_another_clinic_with_the_same_number_is_not_matched(patient, olga):
    PatientFactory(mrn="MRN-B", managing_organization=olga.staff_memberships.get().organization)

    outcome = run(oru(obr(), mrn="MRN-B"))

    # Two clinics are served and RIVERSIDE names neither.
    assert (outcome.code, outcome.reason) == (
        AckCode.ERROR,
        "the sending facility is not linked to a clinic",
    )


def test_the_sending_facility_names_the_clinic_by_an_identifier(patient, olga, clinic):
    clinic.identifiers = [{"system": "urn:hl7v2:facility", "value": "RIVERSIDE", "type": ""}]
    clinic.save(update_fields=["identifiers"])
    other = olga.staff_memberships.get().organization
    PatientFactory(mrn="MRN-A", managing_organization=other)

    outcome = run(oru(obr(), "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||F"))

    assert (outcome.code, outcome.patient) == (AckCode.ACCEPTED, patient)
    assert DiagnosticReport.objects.get().patient == patient


def test_a_social_security_number_is_never_used_to_match(patient):
    outcome = run(
        message("PID|1||123-45-6789^^^SSA^SS||Test^Patient", obr(), "OBX|1|NM|1^x^LN||1||||||F")
    )

    assert (outcome.code, outcome.reason) == (AckCode.ERROR, "PID-3 has no medical record number")


def test_the_mr_number_is_preferred_over_other_record_numbers(patient, clinic):
    PatientFactory(mrn="PI-7", managing_organization=clinic)

    outcome = run(
        message("PID|1||PI-7^^^X^PI~MRN-A^^^X^MR||Test^Patient", obr(), "OBX|1|NM|1^x^LN||1||||||F")
    )

    assert outcome.patient == patient


def test_staff_replaying_a_message_to_a_patient_they_matched_applies_it_to_them(patient):
    outcome = run(
        oru(obr(), "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||F", mrn="OLD-NUMBER"), patient=patient
    )

    assert (outcome.code, outcome.patient) == (AckCode.ACCEPTED, patient)
    assert Observation.objects.get().patient == patient


def test_an_order_number_of_another_patients_report_is_refused(patient, charlie):
    run(oru(obr(), "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||F"))
    charlie.patient.mrn = "MRN-C"
    charlie.patient.save(update_fields=["mrn"])

    outcome = run(oru(obr(), "OBX|1|NM|2345-7^Glucose^LN||99|mg/dL|||||F", mrn="MRN-C"))

    assert (outcome.code, outcome.error_location) == (AckCode.ERROR, "OBR^1^3")
    assert Observation.objects.get().value_quantity == 95


# What the patient, their proxy and staff see ---------------------------------------------------

NOW = dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC)


def glucose_result() -> DiagnosticReport:
    outcome = run(
        oru(
            obr(),
            "OBX|1|NM|2345-7^Glucose^LN||187|mg/dL|70-99|H|||F|||20260301083000-0500",
        )
    )
    assert outcome.code == AckCode.ACCEPTED
    return DiagnosticReport.objects.get()


def results_page(user, patient) -> str:
    client = sign_in(Client(), user)
    url = reverse("results:list", kwargs={"patient_id": patient.pk})
    return client.get(url).content.decode()


def test_a_result_reaches_the_results_list_trend_and_fhir_download_of_the_patient(patient, alice):
    with time_machine.travel(NOW, tick=False):
        report = glucose_result()
        client = sign_in(Client(), alice)
        listing = client.get(reverse("results:list", kwargs={"patient_id": patient.pk}))
        trend = client.get(
            reverse("results:trend", kwargs={"patient_id": patient.pk, "code": "2345-7"})
        )
        bundle = client.get(reverse("downloads:record_json", kwargs={"patient_id": patient.pk}))

    assert "Comprehensive metabolic panel" in listing.content.decode()
    assert '<td data-label="Value">187</td>' in trend.content.decode()
    resources = [entry["resource"] for entry in json.loads(bundle.content)["entry"]]
    exported = next(r for r in resources if r["resourceType"] == "Observation")
    assert exported["valueQuantity"]["value"] == 187
    assert exported["interpretation"][0]["coding"][0]["code"] == "H"
    assert exported["referenceRange"][0]["low"]["value"] == 70
    assert any(
        r["resourceType"] == "DiagnosticReport" and r["id"] == report.fhir_id for r in resources
    )


def test_a_new_result_is_new_for_the_patient_and_their_proxy(patient, alice, bob):
    with time_machine.travel(NOW, tick=False):
        glucose_result()

        for user in (alice, bob):
            access = patient_access(user, patient.pk, audit=False)
            assert new_results_counts(accesses=[access]) == {patient.pk: 1}
        assert "Comprehensive metabolic panel" in results_page(bob, patient)


def test_a_result_of_a_kind_the_clinic_holds_back_waits_like_any_other(patient, alice, nora):
    ResultReleaseDelay.objects.create(kind=ReportKind.LABORATORY, delay_hours=72)
    with time_machine.travel(NOW, tick=False):
        glucose_result()

        assert "Comprehensive metabolic panel" not in results_page(alice, patient)
        assert "Comprehensive metabolic panel" in results_page(nora, patient)
    # Issued (OBR-22) 2026-03-01 11:00 -05:00; released 72 hours later.
    with time_machine.travel(dt.datetime(2026, 3, 4, 16, 1, tzinfo=dt.UTC), tick=False):
        assert "Comprehensive metabolic panel" in results_page(alice, patient)


def test_other_clinic_unrelated_org_is_not_a_served_clinic(patient):
    OrganizationFactory(name="RIVERSIDE")  # a lab imported from FHIR: no staff, no patients

    outcome = run(oru(obr(), "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||F"))

    assert outcome.code == AckCode.ACCEPTED
    assert DiagnosticReport.objects.get().patient == patient
