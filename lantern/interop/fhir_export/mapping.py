"""Map Lantern's clinical records back to FHIR R4 resources (plain dicts).

The inverse of `lantern.interop.fhir_import.mapping`: importing what these functions produce
gives back the same field values. Pure functions, no database access. References point at the
`urn:uuid:<record id>` fullUrl of the referenced record's entry in the same bundle.
"""

from __future__ import annotations

import base64
import logging
import uuid
from typing import Any

from lantern.clinical import models as clinical
from lantern.clinical.document_files import document_file_bytes
from lantern.interop.fhir_import.mapping import (
    IMAGING_SECTIONS,
    LAB_SECTIONS,
    MR_IDENTIFIER_TYPE,
    NPI_SYSTEM,
    OBSERVATION_CATEGORY_SYSTEM,
    charset_of,
)

from .datatypes import (
    absent,
    address,
    base,
    coded,
    compact,
    concept,
    date_time,
    human_name,
    identifiers,
    instant,
    language_concept,
    quantity,
    ref,
    status_concept,
    telecom,
    text_concept,
    url_of,
)

Resource = dict[str, Any]
logger = logging.getLogger(__name__)

CONDITION_CLINICAL_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLINICAL_SYSTEM = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION_SYSTEM = (
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
)
INTERPRETATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
# Its codes (FHIR R4). The importer keeps an interpretation's code alone; one that is not among
# them came from another system and is written without a system rather than claimed as HL7's.
# fmt: off
INTERPRETATION_CODES = frozenset(
    {
        "CAR", "Carrier", "B", "D", "U", "W", "<", ">", "AC", "IE", "QCF", "TOX", "A", "AA",
        "HH", "LL", "H", "H>", "HU", "L", "L<", "LU", "N", "I", "MS", "NCL", "NS", "R", "SYN-R",
        "S", "SDD", "SYN-S", "VS", "EX", "HX", "LX", "HM", "OBX", "IND", "E", "NEG", "ND", "POS",
        "DET", "EXP", "UNE", "NR", "RR", "WR",
    }
)
# fmt: on
DIAGNOSTIC_SECTION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0074"
# The codes of HL7's observation category system in FHIR R4 (Lantern's `other` is none of them).
OBSERVATION_CATEGORY_CODES = frozenset(
    {
        "social-history",
        "vital-signs",
        "imaging",
        "laboratory",
        "procedure",
        "survey",
        "exam",
        "therapy",
        "activity",
    }
)
# A category code that makes the importer derive the same kind of report.
KIND_SECTIONS = {clinical.ReportKind.LABORATORY: "LAB", clinical.ReportKind.IMAGING: "RAD"}


# One exporter per model -------------------------------------------------------------------


def export_organization(o: clinical.Organization) -> Resource:
    return compact(
        {
            **base(o),
            "identifier": identifiers(o.identifiers),
            "active": o.active,
            "type": [{"text": o.kind}] if o.kind else [],
            "name": o.name,
            "telecom": telecom(o.phone),
            "address": [address(o)] if address(o) else [],
        }
    )


def export_location(loc: clinical.Location) -> Resource:
    return compact(
        {
            **base(loc),
            "identifier": identifiers(loc.identifiers),
            "name": loc.name,
            "telecom": telecom(loc.phone),
            "address": address(loc),
            "managingOrganization": ref(loc.organization_id),
        }
    )


def export_practitioner(p: clinical.Practitioner) -> Resource:
    return compact(
        {
            **base(p),
            "identifier": identifiers(p.identifiers, (NPI_SYSTEM, p.npi, "")),
            "active": p.active,
            "name": human_name(p),
            "telecom": telecom(p.phone, p.email),
            "address": [address(p)] if address(p) else [],
            "gender": p.gender,
        }
    )


def export_patient(p: clinical.Patient) -> Resource:
    language = language_concept(p.preferred_language, p.preferred_language_display)
    deceased: Resource = {}
    if p.deceased_at is not None:
        deceased = {"deceasedDateTime": date_time(p, "deceased_at")}
    elif p.deceased:
        deceased = {"deceasedBoolean": True}
    return compact(
        {
            **base(p),
            "identifier": identifiers(p.identifiers, ("", p.mrn, MR_IDENTIFIER_TYPE)),
            "name": human_name(p),
            "telecom": telecom(p.phone, p.email),
            "gender": p.sex,
            "birthDate": date_time(p, "birth_date"),
            **deceased,
            "address": [address(p)] if address(p) else [],
            "communication": [{"language": language, "preferred": True}] if language else [],
            "managingOrganization": ref(p.managing_organization_id),
        }
    )


def export_encounter(e: clinical.Encounter) -> Resource:
    return compact(
        {
            **base(e),
            "status": e.status,
            # Each code with the system the source gave it in, and none where it gave none (a
            # guessed system would be a claim the source never made). Encounter.class is
            # required; a blank one is marked unknown.
            "class": compact({"system": e.class_system, "code": e.class_code}) or absent(),
            "type": [text_concept(e.type_code, e.type_display, e.type_system)]
            if e.type_code or e.type_display or e.type_system
            else [],
            "subject": ref(e.patient_id),
            "participant": [{"individual": ref(e.practitioner_id)}] if e.practitioner_id else [],
            "period": compact(
                {"start": date_time(e, "period_start"), "end": date_time(e, "period_end")}
            ),
            "reasonCode": [text_concept(e.reason_code, e.reason_display, e.reason_system)]
            if e.reason_code or e.reason_display or e.reason_system
            else [],
            "location": [{"location": ref(e.location_id)}] if e.location_id else [],
            "serviceProvider": ref(e.service_provider_id),
        }
    )


def export_condition(c: clinical.Condition) -> Resource:
    return compact(
        {
            **base(c),
            "clinicalStatus": status_concept(CONDITION_CLINICAL_SYSTEM, c.clinical_status),
            "verificationStatus": status_concept(
                CONDITION_VERIFICATION_SYSTEM, c.verification_status
            ),
            "category": [status_concept(CONDITION_CATEGORY_SYSTEM, c.category)]
            if c.category
            else [],
            "code": coded(c),
            "subject": ref(c.patient_id),
            "encounter": ref(c.encounter_id),
            "onsetDateTime": date_time(c, "onset_at"),
            "onsetString": c.date_texts.get("onset_at"),
            "abatementDateTime": date_time(c, "abated_at"),
            "abatementString": c.date_texts.get("abated_at"),
            "recordedDate": date_time(c, "recorded_at"),
        }
    )


def export_allergy(a: clinical.AllergyIntolerance) -> Resource:
    reactions = [
        compact(
            {
                # A manifestation is required; an unnamed one is marked unknown.
                "manifestation": [{"text": r.get("manifestation")}]
                if r.get("manifestation")
                else [absent()],
                "severity": r.get("severity", ""),
            }
        )
        for r in a.reactions or []
    ]
    return compact(
        {
            **base(a),
            "clinicalStatus": status_concept(ALLERGY_CLINICAL_SYSTEM, a.clinical_status),
            "verificationStatus": status_concept(
                ALLERGY_VERIFICATION_SYSTEM, a.verification_status
            ),
            "type": a.allergy_type,
            "category": a.categories,
            "criticality": a.criticality,
            "code": coded(a),
            "patient": ref(a.patient_id),
            "encounter": ref(a.encounter_id),
            "onsetDateTime": date_time(a, "onset_at"),
            "onsetString": a.date_texts.get("onset_at"),
            "recordedDate": date_time(a, "recorded_at"),
            "reaction": reactions,
        }
    )


def export_immunization(i: clinical.Immunization) -> Resource:
    # The occurrence is required: a date, the words the source gave, or words that say so.
    occurrence = (
        {"occurrenceDateTime": date_time(i, "occurred_at")}
        if i.occurred_at
        else {"occurrenceString": i.date_texts.get("occurred_at") or "Date not recorded"}
    )
    return compact(
        {
            **base(i),
            "status": i.status,
            "vaccineCode": coded(i) or {"text": "Vaccine not named"},
            "patient": ref(i.patient_id),
            "encounter": ref(i.encounter_id),
            **occurrence,
            "primarySource": i.primary_source,
            "lotNumber": i.lot_number,
        }
    )


def reason_elements(record: clinical.Procedure | clinical.MedicationRequest) -> Resource:
    """`reasonCode` and `reasonReference` as the importer read them.

    A reference names the record's `urn:uuid:` fullUrl (an imported record's key, derived from
    its source and id), with the reason's name as display; `bundle.py` keeps only the display
    where that record is not in the bundle. A record with no `reasons` (written before they
    were kept) gives its `reason_display` as text.
    """
    if not record.reasons:
        return {"reasonCode": [{"text": record.reason_display}] if record.reason_display else []}
    references = []
    for reason in record.reasons:
        if "concept" in reason:
            continue
        target = None
        if reason.get("fhir_id"):
            target = clinical.record_uuid(
                record.source_system, reason["resource_type"], reason["fhir_id"]
            )
        references.append(
            compact(
                {"reference": url_of(target) if target else None, "display": reason.get("name", "")}
            )
        )
    return {
        "reasonCode": [reason["concept"] for reason in record.reasons if "concept" in reason],
        "reasonReference": references,
    }


def export_medication_request(m: clinical.MedicationRequest) -> Resource:
    medication = coded(m)
    # The Dosage elements as the source gave them; a record without them, by its text alone.
    dosages = m.dosage_instructions or [
        compact({"text": m.dosage_text, "asNeededBoolean": True if m.as_needed else None})
    ]
    return compact(
        {
            **base(m),
            "status": m.status,
            "intent": m.intent or "order",
            **(
                {"medicationCodeableConcept": medication}
                if medication
                else {"medicationReference": {"display": "Medicine not named"}}
            ),
            "subject": ref(m.patient_id),
            "encounter": ref(m.encounter_id),
            "authoredOn": date_time(m, "authored_at"),
            "requester": ref(m.prescriber_id),
            **reason_elements(m),
            "dosageInstruction": [dosage for dosage in dosages if dosage],
            "dispenseRequest": {"numberOfRepeatsAllowed": m.refills_allowed}
            if m.refills_allowed is not None
            else None,
        }
    )


def export_procedure(p: clinical.Procedure) -> Resource:
    if p.performed_end is not None:
        performed = {
            "performedPeriod": compact(
                {"start": date_time(p, "performed_start"), "end": date_time(p, "performed_end")}
            )
        }
    elif p.date_texts.get("performed_start"):
        performed = {"performedString": p.date_texts["performed_start"]}
    else:
        performed = {"performedDateTime": date_time(p, "performed_start")}
    return compact(
        {
            **base(p),
            "status": p.status,
            "code": coded(p),
            "subject": ref(p.patient_id),
            "encounter": ref(p.encounter_id),
            **performed,
            "location": ref(p.location_id),
            **reason_elements(p),
        }
    )


def export_document_reference(d: clinical.DocumentReference) -> Resource:
    data = ""
    if d.content_text and d.content_type.startswith("text/"):
        # In the charset the content type names, as the importer decoded it.
        encoded = d.content_text.encode(charset_of(d.content_type), errors="replace")
        data = base64.b64encode(encoded).decode("ascii")
    elif d.content_file:
        data = _document_file_data(d)
    attachment = compact(
        {"contentType": d.content_type, "data": data, "url": d.content_url, "title": d.title}
    )
    return compact(
        {
            **base(d),
            "status": d.status,
            "type": coded(d),
            "category": [{"text": d.category_display}] if d.category_display else [],
            "subject": ref(d.patient_id),
            "date": instant(d.date),
            "author": [ref(d.author_id)] if d.author_id else [],
            "description": d.description,
            # Content is required; a document without any is an empty-titled attachment.
            "content": [{"attachment": attachment or {"title": "No content"}}],
            "context": {"encounter": [ref(d.encounter_id)]} if d.encounter_id else None,
        }
    )


def _document_file_data(d: clinical.DocumentReference) -> str:
    try:
        content = document_file_bytes(d.content_file)
    except FileNotFoundError:
        # The export goes on without it: the rest of the record is still the patient's.
        logger.error("DocumentReference %s has no file %s", d.pk, d.content_file)
        return ""
    return base64.b64encode(content).decode("ascii")


def export_observation(o: clinical.Observation) -> Resource:
    return compact(
        {
            **base(o),
            "status": o.status,
            # `other` is Lantern's word for "no category given", not a code of HL7's system.
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY_SYSTEM, "code": o.category}]}]
            if o.category in OBSERVATION_CATEGORY_CODES
            else [],
            "code": coded(o) or {"text": "Test not named"},
            "subject": ref(o.patient_id),
            "encounter": ref(o.encounter_id),
            "effectiveDateTime": date_time(o, "effective_at"),
            "issued": instant(o.issued_at),
            "performer": [ref(o.performer_id)] if o.performer_id else [],
            **observation_value(o),
            "interpretation": observation_interpretations(o),
            "note": [{"text": o.note}] if o.note else [],
            "referenceRange": reference_ranges(o),
            "component": [export_component(c) for c in o.components or []],
        }
    )


def reference_ranges(o: clinical.Observation) -> list[Resource]:
    """Every range as the source gave it; for a record that holds only the first range's
    columns (written by hand, or before every range was kept), that one."""
    if o.reference_ranges:
        return list(o.reference_ranges)
    reference_range = compact(
        {
            "low": {"value": o.reference_low} if o.reference_low is not None else None,
            "high": {"value": o.reference_high} if o.reference_high is not None else None,
            "text": o.reference_text,
        }
    )
    return [reference_range] if reference_range else []


def observation_interpretations(o: clinical.Observation) -> list[Resource]:
    """Every interpretation; for a record that holds only the first's columns, that one."""
    stored = o.interpretations or [{"code": o.interpretation, "display": o.interpretation_display}]
    concepts = [
        interpretation_concept(item.get("code", ""), item.get("display", "")) for item in stored
    ]
    return [c for c in concepts if c]


def interpretation_concept(code: str, display: str) -> Resource | None:
    if code:
        system = INTERPRETATION_SYSTEM if code in INTERPRETATION_CODES else ""
        return {"coding": [compact({"system": system, "code": code, "display": display})]}
    return {"text": display} if display else None


def observation_value(o: clinical.Observation) -> Resource:
    """`value[x]` in the FHIR type the source gave (`valueInteger` stays an integer)."""
    return typed_value(
        o.kind_of_value,
        number=o.value_quantity,
        unit=o.value_unit,
        unit_code=o.value_unit_code,
        text=o.value_string,
        data=o.value_data,
        code=concept(o.value_code_system, o.value_code, o.value_code_display),
    )


def typed_value(
    value_type: str,
    *,
    number: float | None,
    unit: str,
    unit_code: str,
    text: str,
    data: Any,
    code: Resource | None,
) -> Resource:
    """An observation's or a component's value as the element of its type; {} for none."""
    element = clinical.VALUE_ELEMENTS.get(value_type)
    if element is None:
        return {}
    value: Any = text
    if value_type == clinical.ObservationValueType.QUANTITY:
        value = quantity(number, unit, unit_code)
    elif value_type == clinical.ObservationValueType.INTEGER:
        value = None if number is None else int(number)
    elif value_type == clinical.ObservationValueType.CODEABLE_CONCEPT:
        value = code
    elif value_type in clinical.STRUCTURED_VALUE_TYPES:
        value = data
    return {} if value in (None, "", {}) else {element: value}


def export_component(component: dict[str, Any]) -> Resource:
    code = component.get("code", "")
    display = component.get("display", "")
    if code:
        # With the system the source gave (components stored before systems were kept, and
        # codes the source gave without one, are written without a system).
        coding = {"system": component.get("system", ""), "code": code, "display": display}
        code_concept = {"coding": [compact(coding)]}
    else:
        code_concept = {"text": display}
    text = component.get("text", "")
    value = typed_value(
        component_value_type(component),
        number=component.get("value"),
        unit=component.get("unit", ""),
        unit_code=component.get("unit_code", ""),
        text=text,
        data=component.get("value_data"),
        # The importer reads a component's coded value by its text first (`display_of`).
        code=text_concept(component.get("value_code", ""), text, component.get("value_system", "")),
    )
    return compact(
        {
            "code": code_concept,
            **value,
            "interpretation": component.get("interpretations", []),
            "referenceRange": component.get("reference_ranges", []),
        }
    )


def component_value_type(component: dict[str, Any]) -> str:
    """A component's value type; for one stored before types were kept, a number or a unit
    is a quantity and text a string (its code was not kept)."""
    if "value_type" in component:
        return component["value_type"]
    if component.get("value") is not None or component.get("unit"):
        return clinical.ObservationValueType.QUANTITY
    return clinical.ObservationValueType.STRING if component.get("text") else ""


def export_diagnostic_report(r: clinical.DiagnosticReport, result_pks: list[uuid.UUID]) -> Resource:
    categories = []
    if r.category_code or r.category_system:
        categories.append(
            {"coding": [compact({"system": r.category_system, "code": r.category_code})]}
        )
    if _kind_of(r.category_code) != r.kind and r.kind in KIND_SECTIONS:
        categories.append(
            {"coding": [{"system": DIAGNOSTIC_SECTION_SYSTEM, "code": KIND_SECTIONS[r.kind]}]}
        )
    presented = []
    if r.presented_text:
        data = base64.b64encode(r.presented_text.encode("utf-8")).decode("ascii")
        presented = [{"contentType": "text/plain; charset=utf-8", "data": data}]
    return compact(
        {
            **base(r),
            "status": r.status,
            "category": categories,
            "code": coded(r) or {"text": "Report not named"},
            "subject": ref(r.patient_id),
            "encounter": ref(r.encounter_id),
            "effectiveDateTime": date_time(r, "effective_at"),
            "issued": instant(r.issued_at),
            "performer": [ref(r.performer_id)] if r.performer_id else [],
            "result": [ref(pk) for pk in result_pks],
            "conclusion": r.conclusion,
            "presentedForm": presented,
        }
    )


def _kind_of(category_code: str) -> str:
    if category_code in IMAGING_SECTIONS:
        return clinical.ReportKind.IMAGING
    if category_code in LAB_SECTIONS:
        return clinical.ReportKind.LABORATORY
    return clinical.ReportKind.OTHER
