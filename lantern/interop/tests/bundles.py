"""Small FHIR bundles built in code, so each test shows exactly what it imports."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from django.conf import settings

DEMO_BUNDLES = Path(settings.BASE_DIR) / "lantern" / "demo" / "bundles"
SHARED_BUNDLES = Path(settings.BASE_DIR).parent / "shared" / "data" / "fhir"

PATIENT_URL = "urn:uuid:11111111-1111-4111-8111-111111111111"
CLINIC_URL = "urn:uuid:22222222-2222-4222-8222-222222222222"
DOCTOR_URL = "urn:uuid:33333333-3333-4333-8333-333333333333"
VISIT_URL = "urn:uuid:44444444-4444-4444-8444-444444444444"


def entry(resource: dict[str, Any], full_url: str | None = None) -> dict[str, Any]:
    full_url = full_url or f"urn:uuid:{resource['id']}"
    return {
        "fullUrl": full_url,
        "resource": resource,
        "request": {"method": "POST", "url": resource["resourceType"]},
    }


def bundle(*entries: dict[str, Any], bundle_type: str = "transaction") -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": bundle_type, "entry": list(entries)}


def write(path: Path, document: dict[str, Any] | str) -> Path:
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def clinic() -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": CLINIC_URL.removeprefix("urn:uuid:"),
        "name": "Riverside Family Clinic",
        "telecom": [{"system": "phone", "value": "555-0100"}],
    }


def doctor() -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "id": DOCTOR_URL.removeprefix("urn:uuid:"),
        "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567890"}],
        "name": [{"family": "Osler", "given": ["William"], "prefix": ["Dr."]}],
    }


def patient(**overrides: Any) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": PATIENT_URL.removeprefix("urn:uuid:"),
        "identifier": [
            {"system": "https://example.org/ssn", "value": "999-99-9999"},
            {
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                    ]
                },
                "system": "https://riverside.example.org/mrn",
                "value": "MRN-0042",
            },
        ],
        "name": [{"use": "official", "family": "Adams", "given": ["Alice", "May"]}],
        "gender": "female",
        "birthDate": "1970-03-14",
        "telecom": [
            {"system": "phone", "value": "555-0199"},
            {"system": "email", "value": "alice@example.org"},
        ],
        "address": [{"line": ["1 Main St"], "city": "Springfield", "postalCode": "01101"}],
        "communication": [
            {"language": {"coding": [{"code": "en-US", "display": "English"}]}, "preferred": True}
        ],
        "managingOrganization": {"reference": CLINIC_URL},
        **overrides,
    }


def visit() -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "id": VISIT_URL.removeprefix("urn:uuid:"),
        "status": "finished",
        "class": {"code": "AMB"},
        "type": [{"coding": [{"code": "185349003", "display": "Check-up"}]}],
        "subject": {"reference": PATIENT_URL},
        "participant": [{"individual": {"reference": DOCTOR_URL}}],
        "period": {"start": "2026-01-10T09:00:00+00:00", "end": "2026-01-10T09:30:00+00:00"},
        "serviceProvider": {"reference": CLINIC_URL},
    }


def glucose(fhir_id: str = "55555555-5555-4555-8555-555555555555", value: float = 110.0):
    return {
        "resourceType": "Observation",
        "id": fhir_id,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]
        },
        "subject": {"reference": PATIENT_URL},
        "encounter": {"reference": VISIT_URL},
        "effectiveDateTime": "2026-01-10T09:15:00+00:00",
        "valueQuantity": {"value": value, "unit": "mg/dL"},
        "referenceRange": [{"low": {"value": 70}, "high": {"value": 99}}],
        "interpretation": [{"coding": [{"code": "H", "display": "High"}]}],
        "note": [{"text": "Fasting sample."}],
    }


def blood_pressure() -> dict[str, Any]:
    def component(code: str, display: str, value: float) -> dict[str, Any]:
        return {
            "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": display}]},
            "valueQuantity": {"value": value, "unit": "mm[Hg]"},
        }

    return {
        "resourceType": "Observation",
        "id": "66666666-6666-4666-8666-666666666666",
        "status": "final",
        "category": [{"coding": [{"code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}], "text": "BP"},
        "subject": {"reference": PATIENT_URL},
        "effectiveDateTime": "2026-01-10",
        "component": [
            component("8480-6", "Systolic blood pressure", 128),
            component("8462-4", "Diastolic blood pressure", 82),
        ],
    }


def panel(*observation_urls: str) -> dict[str, Any]:
    return {
        "resourceType": "DiagnosticReport",
        "id": "77777777-7777-4777-8777-777777777777",
        "status": "final",
        "category": [{"coding": [{"code": "LAB"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "24323-8"}], "text": "Panel"},
        "subject": {"reference": PATIENT_URL},
        "effectiveDateTime": "2026-01-10T09:15:00+00:00",
        "conclusion": "Glucose a little high.",
        "presentedForm": [{"contentType": "text/plain", "data": "R2x1Y29zZSBpcyBoaWdoLg=="}],
        "result": [{"reference": url} for url in observation_urls],
    }


def goal() -> dict[str, Any]:
    return {
        "resourceType": "Goal",
        "id": "88888888-8888-4888-8888-888888888888",
        "lifecycleStatus": "active",
        "description": {"text": "Lose weight"},
        "subject": {"reference": PATIENT_URL},
    }


def full_bundle() -> dict[str, Any]:
    """A clinic, a doctor, a patient with a visit, two results in a panel, and a Goal."""
    observation = glucose()
    return bundle(
        entry(clinic()),
        entry(doctor()),
        entry(patient()),
        entry(visit()),
        entry(observation),
        entry(blood_pressure()),
        entry(panel(f"urn:uuid:{observation['id']}")),
        entry(goal()),
    )


# Shaped like today's Synthea export: hospitals and practitioners in files of their own, which
# the patients' bundles name by identifier (`Organization?identifier=...`), never by fullUrl.

SYNTHEA_SYSTEM = "https://github.com/synthetichealth/synthea"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
HOSPITAL_ID = "a1c2e3f4-0000-3000-8000-000000000001"
WARD_ID = "a1c2e3f4-0000-3000-8000-000000000002"
NPI = "9999999921"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def by_identifier(resource_type: str, system: str, value: str) -> dict[str, str]:
    return {"reference": f"{resource_type}?identifier={system}|{value}"}


def directory_entry(resource: dict[str, Any]) -> dict[str, Any]:
    """An entry as Synthea writes hospitals and practitioners: created only if none exists."""
    identifier = resource["identifier"][0]
    return {
        "fullUrl": f"urn:uuid:{resource['id']}",
        "resource": resource,
        "request": {
            "method": "POST",
            "url": resource["resourceType"],
            "ifNoneExist": f"identifier={identifier['system']}|{identifier['value']}",
        },
    }


def hospital(fhir_id: str = HOSPITAL_ID, name: str = "Riverside General Hospital"):
    return {
        "resourceType": "Organization",
        "id": fhir_id,
        "identifier": [{"system": SYNTHEA_SYSTEM, "value": HOSPITAL_ID}],
        "active": True,
        "type": [{"coding": [{"code": "prov", "display": "Healthcare Provider"}]}],
        "name": name,
    }


def ward() -> dict[str, Any]:
    return {
        "resourceType": "Location",
        "id": WARD_ID,
        "identifier": [{"system": SYNTHEA_SYSTEM, "value": WARD_ID}],
        "status": "active",
        "name": "Riverside General Hospital, east wing",
        "managingOrganization": by_identifier("Organization", SYNTHEA_SYSTEM, HOSPITAL_ID),
    }


def physician(fhir_id: str = "b1c2e3f4-0000-3000-8000-000000000003") -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "id": fhir_id,
        "identifier": [{"system": NPI_SYSTEM, "value": NPI}],
        "active": True,
        "name": [{"family": "Okafor", "given": ["Maya"], "prefix": ["Dr."]}],
    }


def physician_role() -> dict[str, Any]:
    """Synthea's practitioner files also hold roles (a type Lantern does not keep)."""
    return {
        "resourceType": "PractitionerRole",
        "id": "b1c2e3f4-0000-3000-8000-000000000004",
        "identifier": [{"system": NPI_SYSTEM, "value": NPI}],
        "practitioner": by_identifier("Practitioner", NPI_SYSTEM, NPI),
        "organization": by_identifier("Organization", SYNTHEA_SYSTEM, HOSPITAL_ID),
        "location": [by_identifier("Location", SYNTHEA_SYSTEM, WARD_ID)],
    }


def hospital_information() -> dict[str, Any]:
    return bundle(directory_entry(hospital()), directory_entry(ward()), bundle_type="batch")


def practitioner_information() -> dict[str, Any]:
    return bundle(
        directory_entry(physician()), directory_entry(physician_role()), bundle_type="batch"
    )


def synthea_visit() -> dict[str, Any]:
    return {
        **visit(),
        "participant": [{"individual": by_identifier("Practitioner", NPI_SYSTEM, NPI)}],
        "serviceProvider": by_identifier("Organization", SYNTHEA_SYSTEM, HOSPITAL_ID),
        "location": [{"location": by_identifier("Location", SYNTHEA_SYSTEM, WARD_ID)}],
    }


def metformin(fhir_id: str = "c1c2e3f4-0000-3000-8000-000000000005") -> dict[str, Any]:
    return {
        "resourceType": "Medication",
        "id": fhir_id,
        "code": {
            "coding": [
                {
                    "system": RXNORM,
                    "code": "860975",
                    "display": "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet",
                }
            ],
            "text": "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet",
        },
        "status": "active",
    }


def prescription(medication_reference: str, **overrides: Any) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": "c1c2e3f4-0000-3000-8000-000000000006",
        "status": "active",
        "intent": "order",
        "medicationReference": {"reference": medication_reference},
        "subject": {"reference": PATIENT_URL},
        "encounter": {"reference": VISIT_URL},
        "authoredOn": "2026-01-10T09:20:00+00:00",
        "requester": by_identifier("Practitioner", NPI_SYSTEM, NPI),
        **overrides,
    }


def synthea_patient_bundle(*extra: dict[str, Any]) -> dict[str, Any]:
    """A patient and a visit naming its hospital, ward and doctor by identifier only."""
    return bundle(
        entry(
            patient(managingOrganization=by_identifier("Organization", SYNTHEA_SYSTEM, HOSPITAL_ID))
        ),
        entry(synthea_visit()),
        *extra,
    )


# One value of each FHIR type, a panel whose parts are of each type, a result with several
# ranges, interpretations and notes, and dates given as words (issue 11, points 4 and 5).

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
HL7_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
RANGE_MEANING = "http://terminology.hl7.org/CodeSystem/referencerange-meaning"
# Each value type's element as the source gives it, by the id of its observation.
TYPED_VALUES: dict[str, tuple[str, dict[str, Any]]] = {
    "e0000000-0000-4000-8000-000000000001": ("valueBoolean", {"valueBoolean": False}),
    "e0000000-0000-4000-8000-000000000002": ("valueInteger", {"valueInteger": 9}),
    "e0000000-0000-4000-8000-000000000003": (
        "valueRatio",
        {"valueRatio": {"numerator": {"value": 1}, "denominator": {"value": 128}}},
    ),
    "e0000000-0000-4000-8000-000000000004": (
        "valueRange",
        {
            "valueRange": {
                "low": {"value": 2.5, "unit": "mg/L"},
                "high": {"value": 5.0, "unit": "mg/L"},
            }
        },
    ),
    "e0000000-0000-4000-8000-000000000005": (
        "valuePeriod",
        {"valuePeriod": {"start": "2012-05-01", "end": "2012-05-03"}},
    ),
    "e0000000-0000-4000-8000-000000000006": ("valueTime", {"valueTime": "14:30:00"}),
    "e0000000-0000-4000-8000-000000000007": (
        "valueDateTime",
        {"valueDateTime": "2012-05"},
    ),
    "e0000000-0000-4000-8000-000000000008": (
        "valueCodeableConcept",
        {
            "valueCodeableConcept": {
                "coding": [{"system": SNOMED, "code": "260385009", "display": "Negative"}]
            }
        },
    ),
    "e0000000-0000-4000-8000-000000000009": ("valueString", {"valueString": "Clear"}),
}
PANEL_ID = "e0000000-0000-4000-8000-000000000010"
RANGES_ID = "e0000000-0000-4000-8000-000000000011"
WORDED_VACCINE_ID = "e0000000-0000-4000-8000-000000000012"
WORDED_PROBLEM_ID = "e0000000-0000-4000-8000-000000000013"
WORDED_PROCEDURE_ID = "e0000000-0000-4000-8000-000000000014"
WORDED_ALLERGY_ID = "e0000000-0000-4000-8000-000000000015"


def typed_observation(fhir_id: str, name: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": fhir_id,
        "status": "final",
        "category": [{"coding": [{"code": "laboratory"}]}],
        "code": {"coding": [{"system": LOINC, "code": f"9{fhir_id[-4:]}-0", "display": name}]},
        "subject": {"reference": PATIENT_URL},
        "effectiveDateTime": "2026-01-10T09:15:00+00:00",
        **value,
    }


def typed_panel() -> dict[str, Any]:
    """A panel whose components hold one value of each type, the coded one with its code."""
    components = [
        {
            "code": {"coding": [{"system": LOINC, "code": f"{index}-{index}", "display": element}]},
            **value,
        }
        for index, (element, value) in enumerate(TYPED_VALUES.values(), start=1)
    ]
    components.append(
        {
            "code": {"coding": [{"system": LOINC, "code": "2345-7", "display": "Glucose"}]},
            "valueQuantity": {
                "value": 110.0,
                "unit": "mg/dL",
                "system": "http://unitsofmeasure.org",
                "code": "mg/dL",
            },
            "interpretation": [{"coding": [{"system": HL7_INTERPRETATION, "code": "H"}]}],
            "referenceRange": [{"low": {"value": 70}, "high": {"value": 99}}],
        }
    )
    return {
        **typed_observation(PANEL_ID, "Urinalysis panel", {}),
        "component": components,
    }


def hemoglobin_with_ranges() -> dict[str, Any]:
    """A value with three ranges (by sex, by age, in words), two interpretations, two notes."""
    return typed_observation(
        RANGES_ID,
        "Hemoglobin",
        {
            "valueQuantity": {"value": 11.5, "unit": "g/dL"},
            "referenceRange": [
                {
                    "low": {"value": 12.0, "unit": "g/dL"},
                    "high": {"value": 15.5, "unit": "g/dL"},
                    "type": {"coding": [{"system": RANGE_MEANING, "code": "normal"}]},
                    "appliesTo": [{"text": "Women"}],
                },
                {
                    "low": {"value": 13.5, "unit": "g/dL"},
                    "high": {"value": 17.5, "unit": "g/dL"},
                    "appliesTo": [{"text": "Men"}],
                    "age": {"low": {"value": 18, "unit": "years"}},
                },
                {"text": "Lower in pregnancy"},
            ],
            "interpretation": [
                {"coding": [{"system": HL7_INTERPRETATION, "code": "L", "display": "Low"}]},
                {"coding": [{"code": "A", "display": "Abnormal"}]},
            ],
            "note": [{"text": "Repeat in 3 months."}, {"text": "Take iron with food."}],
        },
    )


def worded_dates() -> list[dict[str, Any]]:
    """A vaccine, a problem, a procedure and an allergy dated in words, not as dates."""
    subject = {"reference": PATIENT_URL}
    return [
        {
            "resourceType": "Immunization",
            "id": WORDED_VACCINE_ID,
            "status": "completed",
            "vaccineCode": {"coding": [{"code": "140", "display": "Influenza"}]},
            "patient": subject,
            "occurrenceString": "Fall 2012",
        },
        {
            "resourceType": "Condition",
            "id": WORDED_PROBLEM_ID,
            "clinicalStatus": {"coding": [{"code": "resolved"}]},
            "code": {"coding": [{"system": SNOMED, "code": "195967001", "display": "Asthma"}]},
            "subject": subject,
            "onsetString": "Childhood",
            "abatementString": "Age 12",
        },
        {
            "resourceType": "Procedure",
            "id": WORDED_PROCEDURE_ID,
            "status": "completed",
            "code": {"coding": [{"system": SNOMED, "code": "80146002", "display": "Appendectomy"}]},
            "subject": subject,
            "performedString": "Summer 2005",
        },
        {
            "resourceType": "AllergyIntolerance",
            "id": WORDED_ALLERGY_ID,
            "code": {"text": "Penicillin"},
            "patient": subject,
            "onsetString": "As a teenager",
        },
    ]


def typed_values_bundle() -> dict[str, Any]:
    """The patient with every value type, the typed panel, the ranges and the worded dates."""
    person = patient()
    del person["managingOrganization"]
    observations = [
        typed_observation(fhir_id, element.removeprefix("value") + " test", value)
        for fhir_id, (element, value) in TYPED_VALUES.items()
    ]
    return bundle(
        entry(person),
        *(entry(o) for o in observations),
        entry(typed_panel()),
        entry(hemoglobin_with_ranges()),
        *(entry(r) for r in worded_dates()),
    )


# Reasons, structured dosages and documents with inline content (issue 11, point 5).

FIBRILLATION_ID = "d1c2e3f4-0000-3000-8000-000000000001"
# The smallest file a PDF reader opens; its bytes only matter as bytes here.
PDF_BYTES = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def snomed(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": display}


def fibrillation() -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": FIBRILLATION_ID,
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": snomed("49436004", "Atrial fibrillation (disorder)"),
        "subject": {"reference": PATIENT_URL},
        "onsetDateTime": "2025-06-01T10:00:00+00:00",
    }


def twice_a_day_tablet() -> dict[str, Any]:
    """Synthea's dosage: one tablet twice a day, said in structure only (no text)."""
    return {
        "sequence": 1,
        "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
        "asNeededBoolean": False,
        "doseAndRate": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/dose-rate-type",
                            "code": "ordered",
                            "display": "Ordered",
                        }
                    ]
                },
                "doseQuantity": {"value": 1},
            }
        ],
    }


def reasoned_prescription() -> dict[str, Any]:
    """A tablet twice a day, for two coded reasons and a condition of the bundle (named by
    reference only, as Synthea writes it)."""
    return {
        "resourceType": "MedicationRequest",
        "id": "d1c2e3f4-0000-3000-8000-000000000002",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [
                {"system": RXNORM, "code": "310965", "display": "Ibuprofen 200 MG Oral Tablet"}
            ]
        },
        "subject": {"reference": PATIENT_URL},
        "authoredOn": "2026-01-10T09:20:00+00:00",
        "reasonCode": [snomed("82423001", "Chronic pain (finding)"), {"text": "Back pain"}],
        "reasonReference": [{"reference": f"urn:uuid:{FIBRILLATION_ID}"}],
        "dosageInstruction": [twice_a_day_tablet()],
    }


def as_needed_prescription() -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": "d1c2e3f4-0000-3000-8000-000000000003",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": "Acetaminophen 325 MG Oral Tablet"},
        "subject": {"reference": PATIENT_URL},
        "authoredOn": "2026-01-09T09:20:00+00:00",
        "dosageInstruction": [
            {
                "timing": {"repeat": {"frequency": 1, "period": 8, "periodUnit": "h"}},
                "asNeededBoolean": True,
            }
        ],
    }


def reasoned_procedure() -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "id": "d1c2e3f4-0000-3000-8000-000000000004",
        "status": "completed",
        "code": snomed("180325003", "Electrical cardioversion (procedure)"),
        "subject": {"reference": PATIENT_URL},
        "performedDateTime": "2026-01-10T10:00:00+00:00",
        "reasonCode": [snomed("698247007", "Cardiac arrhythmia (disorder)")],
        "reasonReference": [
            {"reference": f"urn:uuid:{FIBRILLATION_ID}", "display": "Atrial Fibrillation"}
        ],
    }


def document(fhir_id: str, title: str, content_type: str, data: bytes) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "id": fhir_id,
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": "11506-3"}], "text": title},
        "subject": {"reference": PATIENT_URL},
        "date": "2026-01-10T11:00:00+00:00",
        "content": [
            {
                "attachment": {
                    "contentType": content_type,
                    "data": base64.b64encode(data).decode("ascii"),
                    "title": title,
                }
            }
        ],
    }


def discharge_pdf() -> dict[str, Any]:
    return document(
        "d1c2e3f4-0000-3000-8000-000000000005", "Discharge summary", "application/pdf", PDF_BYTES
    )


def latin1_note() -> dict[str, Any]:
    return document(
        "d1c2e3f4-0000-3000-8000-000000000006",
        "Note from the café",
        "text/plain; charset=ISO-8859-1",
        "Crème brûlée after the visit, señor.".encode("iso-8859-1"),
    )


def html_note() -> dict[str, Any]:
    return document(
        "d1c2e3f4-0000-3000-8000-000000000007",
        "Care plan",
        "text/html",
        b"<html><head><style>p{color:red}</style></head><body><h2>Plan</h2>"
        b"<p>Walk <b>thirty</b> minutes a day &amp; rest.</p>"
        b"<script>alert('x')</script></body></html>",
    )


def whole_record_bundle() -> dict[str, Any]:
    """Alice's clinic, doctor and visit, with a condition, two prescriptions, a procedure given
    for reasons, and three documents carried inline (a PDF, a Latin-1 note, an HTML note)."""
    return bundle(
        entry(clinic()),
        entry(doctor()),
        entry(patient()),
        entry(visit()),
        entry(fibrillation()),
        entry(reasoned_prescription()),
        entry(as_needed_prescription()),
        entry(reasoned_procedure()),
        entry(discharge_pdf()),
        entry(latin1_note()),
        entry(html_note()),
    )
