"""Map validated FHIR R4 resources (as plain dicts) to the fields of Lantern's clinical models.

Pure functions, run inside the importer's worker processes: no database access. A mapper returns
a `MappedRow` whose `references` still hold the FHIR reference strings; the writer resolves them
to primary keys once the whole bundle has been read.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lantern.clinical import models as clinical
from lantern.clinical.document_files import document_storage_name


class MappingError(ValueError):
    """The resource is valid FHIR but cannot be stored as it stands (the message says why)."""


@dataclass(slots=True)
class MappedRow:
    resource_type: str
    fhir_id: str
    fields: dict[str, Any]
    # Model field name -> (FHIR reference string, the resource type the field can point to).
    references: dict[str, tuple[str, str]] = field(default_factory=dict)
    # DiagnosticReport.result: the observations the report lists, in order.
    result_references: list[str] = field(default_factory=list)
    identifiers: list[dict[str, str]] = field(default_factory=list)
    # MedicationRequest only: a reference to a Medication elsewhere in the bundle, whose code
    # the writer copies into the request's code fields.
    medication_reference: str = ""
    content_hash: str = ""
    # DocumentReference only: the bytes of a file carried inline, which the writer stores under
    # the name in `fields["content_file"]`.
    file_content: bytes = b""


Resource = dict[str, Any]

MR_IDENTIFIER_TYPE = "MR"
REASON_DISPLAY_LENGTH = clinical.Procedure._meta.get_field("reason_display").max_length
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
UCUM_SYSTEM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
# Diagnostic service sections (HL7 v2 table 0074) and LOINC categories, by kind of report.
# fmt: off
LAB_SECTIONS = {
    "LAB", "HM", "CH", "MB", "SP", "SR", "BLB", "CP", "HEM", "IMM", "MCB", "MYC", "OSL", "PAR",
    "SC", "TX", "VR", "VIR", "CG", "GE", "LP29693-6",
}
IMAGING_SECTIONS = {
    "RAD", "CT", "MR", "NMR", "NMS", "US", "RUS", "VUS", "OUS", "XRC", "RX", "CTH", "MAM", "CUS",
    "LP29684-5", "18748-4",
}
# fmt: on


# Small readers for common FHIR data types ---------------------------------------------------


def first(items: list[Any] | None) -> Any:
    return items[0] if items else {}


def coding_of(concept: Resource | None) -> tuple[str, str, str]:
    """(system, code, display) of a CodeableConcept's first coding, display falling back to text."""
    concept = concept or {}
    coding = first(concept.get("coding"))
    display = coding.get("display") or concept.get("text") or ""
    return coding.get("system", ""), coding.get("code", ""), display


def code_of(concept: Resource | None) -> str:
    return coding_of(concept)[1]


def display_of(concept: Resource | None) -> str:
    concept = concept or {}
    return concept.get("text") or coding_of(concept)[2]


def coded_fields(concept: Resource | None) -> dict[str, str]:
    system, code, display = coding_of(concept)
    return {"code_system": system, "code": code, "display": display}


def parse_datetime(value: str | None) -> dt.datetime | None:
    """A FHIR dateTime or date as an aware datetime; a bare date or year is midnight UTC."""
    if not value:
        return None
    if len(value) <= 10:
        year, month, day = ([*value.split("-"), "01", "01"])[:3]
        return dt.datetime(int(year), int(month), int(day), tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_date(value: str | None) -> dt.date | None:
    moment = parse_datetime(value)
    return moment.date() if moment else None


# A FHIR date or dateTime without a time, by its length: "1990", "2011-05", "2011-04-30".
PRECISION_OF_LENGTH = {
    4: clinical.DatePrecision.YEAR,
    7: clinical.DatePrecision.MONTH,
    10: clinical.DatePrecision.DAY,
}


def date_precisions(**values: str | None) -> dict[str, str]:
    """{field name: "year" | "month" | "day"} for each source value given without a time.

    Such a value is stored at midnight UTC on its first day (`parse_datetime`); the precision
    says it is a calendar date, so pages and exports show it as given, never shifted by time
    zone. A value with a time is an instant and is not named.
    """
    return {
        name: str(PRECISION_OF_LENGTH[len(value)])
        for name, value in values.items()
        if value and len(value) in PRECISION_OF_LENGTH and "T" not in value
    }


def period_start_text(resource: Resource, prefix: str) -> str | None:
    """The source text of `<prefix>DateTime` or `<prefix>Period.start` (FHIR choice types)."""
    return resource.get(f"{prefix}DateTime") or resource.get(f"{prefix}Period", {}).get("start")


def period_start(resource: Resource, prefix: str) -> dt.datetime | None:
    """Start of `<prefix>DateTime` or `<prefix>Period` (FHIR choice types)."""
    return parse_datetime(period_start_text(resource, prefix))


def date_texts(**values: str | None) -> dict[str, str]:
    """{field name: words} for each date the source gave as a string (`onsetString`
    "Fall 2012"), kept as given in the record's `date_texts`."""
    return {name: value for name, value in values.items() if value}


def human_name(names: list[Resource] | None) -> dict[str, str]:
    names = names or []
    name = next((n for n in names if n.get("use") == "official"), first(names))
    return {
        "prefix": " ".join(name.get("prefix", [])),
        "given_names": " ".join(name.get("given", [])),
        "family_name": name.get("family", ""),
        "suffix": " ".join(name.get("suffix", [])),
    }


def address_fields(addresses: list[Resource] | Resource | None) -> dict[str, str]:
    address = first(addresses) if isinstance(addresses, list) else (addresses or {})
    return {
        "address_line": ", ".join(address.get("line", [])),
        "city": address.get("city", ""),
        "state": address.get("state", ""),
        "postal_code": address.get("postalCode", ""),
        "country": address.get("country", ""),
    }


def telecom_value(telecom: list[Resource] | None, system: str) -> str:
    return next((t.get("value", "") for t in telecom or [] if t.get("system") == system), "")


def identifier_list(resource: Resource) -> list[dict[str, str]]:
    identifiers = resource.get("identifier") or []
    # A few resource types (QuestionnaireResponse, say) have a single identifier, not a list.
    if isinstance(identifiers, dict):
        identifiers = [identifiers]
    return [
        {
            "system": identifier.get("system", ""),
            "value": identifier.get("value", ""),
            "type": code_of(identifier.get("type")),
        }
        for identifier in identifiers
        if identifier.get("value")
    ]


def reference_of(value: Resource | None) -> str:
    return (value or {}).get("reference", "")


def checked_choice(value: str, choices: type, resource_type: str, element: str) -> str:
    if value not in _allowed(choices):
        # The value itself is not quoted: error messages never repeat the file's content.
        raise MappingError(
            f"{resource_type}.{element} is not one of the FHIR R4 codes "
            f"({', '.join(v for v in choices.values if v)})"
        )
    return value


def decoded_text(attachment: Resource) -> str:
    """The text of an attachment carried inline, read in the charset its content type names
    (UTF-8 when it names none, or one Python does not know); binary content is not decoded."""
    content_type = attachment.get("contentType", "")
    data = attachment.get("data")
    if not data or not content_type.startswith("text/"):
        return ""
    return decoded_bytes(attachment).decode(charset_of(content_type), errors="replace")


def decoded_bytes(attachment: Resource) -> bytes:
    try:
        return base64.b64decode(attachment.get("data", ""))
    except (binascii.Error, ValueError) as error:
        raise MappingError("an attachment's data is not valid base64") from error


def charset_of(content_type: str) -> str:
    """The codec a content type's `charset` parameter names (`text/plain; charset=ISO-8859-1`)."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"')
            try:
                return codecs.lookup(charset).name
            except LookupError:
                break
    return "utf-8"


def refs(**pairs: tuple[str, str]) -> dict[str, tuple[str, str]]:
    """Keep only the references that are present."""
    return {name: pair for name, pair in pairs.items() if pair[0]}


# One mapper per resource type -----------------------------------------------------------------


def map_organization(r: Resource) -> MappedRow:
    return MappedRow(
        "Organization",
        r["id"],
        {
            "name": r.get("name", ""),
            "kind": display_of(first(r.get("type"))),
            "phone": telecom_value(r.get("telecom"), "phone"),
            "active": r.get("active", True),
            "identifiers": identifier_list(r),
            **address_fields(r.get("address")),
        },
        identifiers=identifier_list(r),
    )


def map_location(r: Resource) -> MappedRow:
    return MappedRow(
        "Location",
        r["id"],
        {
            "name": r.get("name", ""),
            "phone": telecom_value(r.get("telecom"), "phone"),
            "identifiers": identifier_list(r),
            **address_fields(r.get("address")),
        },
        refs(organization=(reference_of(r.get("managingOrganization")), "Organization")),
        identifiers=identifier_list(r),
    )


def map_practitioner(r: Resource) -> MappedRow:
    identifiers = identifier_list(r)
    return MappedRow(
        "Practitioner",
        r["id"],
        {
            **human_name(r.get("name")),
            "npi": next((i["value"] for i in identifiers if i["system"] == NPI_SYSTEM), ""),
            "gender": r.get("gender", ""),
            "phone": telecom_value(r.get("telecom"), "phone"),
            "email": telecom_value(r.get("telecom"), "email"),
            "active": r.get("active", True),
            "identifiers": identifiers,
            **address_fields(r.get("address")),
        },
        identifiers=identifiers,
    )


def map_patient(r: Resource) -> MappedRow:
    identifiers = identifier_list(r)
    language = first(
        [c for c in r.get("communication", []) if c.get("preferred")] or r.get("communication")
    ).get("language")
    deceased_at = parse_datetime(r.get("deceasedDateTime"))
    return MappedRow(
        "Patient",
        r["id"],
        {
            **human_name(r.get("name")),
            "mrn": next((i["value"] for i in identifiers if i["type"] == MR_IDENTIFIER_TYPE), ""),
            "birth_date": parse_date(r.get("birthDate")),
            "sex": r.get("gender", ""),
            "deceased": bool(r.get("deceasedBoolean")) or deceased_at is not None,
            "deceased_at": deceased_at,
            # A birth date is a FHIR date: only one given as a month or a year is named.
            "date_precisions": {
                name: precision
                for name, precision in date_precisions(
                    birth_date=r.get("birthDate"), deceased_at=r.get("deceasedDateTime")
                ).items()
                if name != "birth_date" or precision != clinical.DatePrecision.DAY
            },
            "phone": telecom_value(r.get("telecom"), "phone"),
            "email": telecom_value(r.get("telecom"), "email"),
            "preferred_language": code_of(language),
            "preferred_language_display": display_of(language),
            "identifiers": identifiers,
            **address_fields(r.get("address")),
        },
        refs(managing_organization=(reference_of(r.get("managingOrganization")), "Organization")),
        identifiers=identifiers,
    )


def map_encounter(r: Resource) -> MappedRow:
    type_system, type_code, type_display = coding_of(first(r.get("type")))
    reason = first(r.get("reasonCode"))
    visit_class = r.get("class", {})
    period = r.get("period", {})
    return MappedRow(
        "Encounter",
        r["id"],
        {
            "status": checked_choice(r["status"], clinical.EncounterStatus, "Encounter", "status"),
            "class_system": visit_class.get("system", ""),
            "class_code": visit_class.get("code", ""),
            "type_system": type_system,
            "type_code": type_code,
            "type_display": display_of(first(r.get("type"))) or type_display,
            "reason_system": coding_of(reason)[0],
            "reason_code": code_of(reason),
            "reason_display": display_of(reason),
            "period_start": parse_datetime(period.get("start")),
            "period_end": parse_datetime(period.get("end")),
            "date_precisions": date_precisions(
                period_start=period.get("start"), period_end=period.get("end")
            ),
        },
        refs(
            patient=(reference_of(r.get("subject")), "Patient"),
            practitioner=(
                reference_of(first(r.get("participant")).get("individual")),
                "Practitioner",
            ),
            service_provider=(reference_of(r.get("serviceProvider")), "Organization"),
            location=(reference_of(first(r.get("location")).get("location")), "Location"),
        ),
    )


def map_condition(r: Resource) -> MappedRow:
    return MappedRow(
        "Condition",
        r["id"],
        {
            **coded_fields(r.get("code")),
            "clinical_status": checked_choice(
                code_of(r.get("clinicalStatus")),
                _with_blank(clinical.ConditionClinicalStatus),
                "Condition",
                "clinicalStatus",
            ),
            "verification_status": code_of(r.get("verificationStatus")),
            "category": code_of(first(r.get("category"))),
            "onset_at": period_start(r, "onset"),
            "abated_at": period_start(r, "abatement"),
            "recorded_at": parse_datetime(r.get("recordedDate")),
            "date_precisions": date_precisions(
                onset_at=period_start_text(r, "onset"),
                abated_at=period_start_text(r, "abatement"),
                recorded_at=r.get("recordedDate"),
            ),
            "date_texts": date_texts(
                onset_at=r.get("onsetString"), abated_at=r.get("abatementString")
            ),
        },
        _patient_and_encounter(r, "subject"),
    )


def map_allergy(r: Resource) -> MappedRow:
    reactions = [
        {
            "manifestation": display_of(first(reaction.get("manifestation"))),
            "severity": reaction.get("severity", ""),
        }
        for reaction in r.get("reaction", [])
    ]
    return MappedRow(
        "AllergyIntolerance",
        r["id"],
        {
            **coded_fields(r.get("code")),
            "clinical_status": checked_choice(
                code_of(r.get("clinicalStatus")),
                _with_blank(clinical.AllergyClinicalStatus),
                "AllergyIntolerance",
                "clinicalStatus",
            ),
            "verification_status": code_of(r.get("verificationStatus")),
            "allergy_type": r.get("type", ""),
            "categories": r.get("category", []),
            "criticality": r.get("criticality", ""),
            "onset_at": period_start(r, "onset"),
            "recorded_at": parse_datetime(r.get("recordedDate")),
            "date_precisions": date_precisions(
                onset_at=period_start_text(r, "onset"), recorded_at=r.get("recordedDate")
            ),
            "date_texts": date_texts(onset_at=r.get("onsetString")),
            "reactions": reactions,
        },
        _patient_and_encounter(r, "patient"),
    )


def map_immunization(r: Resource) -> MappedRow:
    return MappedRow(
        "Immunization",
        r["id"],
        {
            **coded_fields(r.get("vaccineCode")),
            "status": checked_choice(
                r["status"], clinical.ImmunizationStatus, "Immunization", "status"
            ),
            "occurred_at": parse_datetime(r.get("occurrenceDateTime")),
            "date_precisions": date_precisions(occurred_at=r.get("occurrenceDateTime")),
            "date_texts": date_texts(occurred_at=r.get("occurrenceString")),
            "primary_source": r.get("primarySource"),
            "lot_number": r.get("lotNumber", ""),
        },
        _patient_and_encounter(r, "patient"),
    )


def map_medication_request(r: Resource) -> MappedRow:
    medication, medication_reference = _medication_of(r)
    dosages = r.get("dosageInstruction", [])
    return MappedRow(
        "MedicationRequest",
        r["id"],
        {
            **medication,
            "status": checked_choice(
                r["status"], clinical.MedicationRequestStatus, "MedicationRequest", "status"
            ),
            "intent": r.get("intent", ""),
            "authored_at": parse_datetime(r.get("authoredOn")),
            "date_precisions": date_precisions(authored_at=r.get("authoredOn")),
            "dosage_text": "; ".join(d["text"] for d in dosages if d.get("text")),
            "as_needed": any(d.get("asNeededBoolean") for d in dosages),
            "dosage_instructions": dosages,
            "refills_allowed": r.get("dispenseRequest", {}).get("numberOfRepeatsAllowed"),
            **reason_fields(r),
        },
        {
            **_patient_and_encounter(r, "subject"),
            **refs(prescriber=(reference_of(r.get("requester")), "Practitioner")),
        },
        medication_reference=medication_reference,
    )


def _medication_of(r: Resource) -> tuple[dict[str, str], str]:
    """The medicine's code fields, and the reference the writer still has to follow, if any.

    A `medicationReference` to a contained Medication (`#id`) is read here; one to an entry of
    the bundle is followed by the writer, which sees the whole bundle. Until then, and when the
    Medication has no name, the reference's own display names the medicine.
    """
    if "medicationCodeableConcept" in r:
        return coded_fields(r["medicationCodeableConcept"]), ""
    reference = r.get("medicationReference") or {}
    named = coded_fields({"text": reference.get("display", "")})
    target = reference.get("reference", "")
    if not target.startswith("#"):
        return named, target
    contained = next(
        (
            resource
            for resource in r.get("contained", [])
            if resource.get("resourceType") == "Medication" and resource.get("id") == target[1:]
        ),
        None,
    )
    if contained is None:
        raise MappingError("medicationReference names a contained Medication that is not there")
    return medication_fields(coded_fields(contained.get("code")), named), ""


def medication_fields(code: dict[str, str], named: dict[str, str]) -> dict[str, str]:
    """A Medication's code fields, named by the reference's display when the code has no name."""
    return {**code, "display": code["display"] or named["display"]}


def map_procedure(r: Resource) -> MappedRow:
    period = r.get("performedPeriod", {})
    return MappedRow(
        "Procedure",
        r["id"],
        {
            **coded_fields(r.get("code")),
            "status": checked_choice(r["status"], clinical.ProcedureStatus, "Procedure", "status"),
            "performed_start": parse_datetime(r.get("performedDateTime") or period.get("start")),
            "performed_end": parse_datetime(period.get("end")),
            "date_precisions": date_precisions(
                performed_start=r.get("performedDateTime") or period.get("start"),
                performed_end=period.get("end"),
            ),
            "date_texts": date_texts(performed_start=r.get("performedString")),
            **reason_fields(r),
        },
        {
            **_patient_and_encounter(r, "subject"),
            **refs(location=(reference_of(r.get("location")), "Location")),
        },
    )


def reason_fields(r: Resource) -> dict[str, Any]:
    """Every `reasonCode` and `reasonReference`, in that order, each with its name.

    A reason code keeps the CodeableConcept as given. A reference keeps its text until the
    writer, which sees the whole bundle, replaces it with the record it names and that record's
    name (the reference's display until then).
    """
    reasons = [
        {"name": display_of(concept), "concept": concept} for concept in r.get("reasonCode", [])
    ]
    reasons += [
        {"name": reference.get("display", ""), "reference": reference.get("reference", "")}
        for reference in r.get("reasonReference", [])
    ]
    first_name = next((reason["name"] for reason in reasons if reason["name"]), "")
    # The first name is kept as the record's short reason, cut to fit; `reasons` keeps it all.
    return {"reasons": reasons, "reason_display": first_name[:REASON_DISPLAY_LENGTH]}


def document_content(attachment: Resource) -> tuple[dict[str, Any], bytes]:
    """The attachment's fields, and the bytes of a file it carries inline (not text)."""
    content_type = attachment.get("contentType", "")
    fields: dict[str, Any] = {
        "content_type": content_type,
        "content_text": decoded_text(attachment),
        "content_file": "",
        "content_size": None,
    }
    if not attachment.get("data") or content_type.startswith("text/"):
        return fields, b""
    content = decoded_bytes(attachment)
    fields.update(
        content_file=document_storage_name(content, content_type), content_size=len(content)
    )
    return fields, content


def map_document_reference(r: Resource) -> MappedRow:
    attachment = first(r.get("content")).get("attachment", {})
    context = r.get("context", {})
    encounter = reference_of(first(context.get("encounter")))
    content, file_content = document_content(attachment)
    return MappedRow(
        "DocumentReference",
        r["id"],
        {
            **coded_fields(r.get("type")),
            "status": checked_choice(
                r["status"], clinical.DocumentStatus, "DocumentReference", "status"
            ),
            "category_display": display_of(first(r.get("category"))),
            "date": parse_datetime(r.get("date")),
            "description": r.get("description", ""),
            "title": attachment.get("title", ""),
            **content,
            "content_url": attachment.get("url", ""),
        },
        refs(
            patient=(reference_of(r.get("subject")), "Patient"),
            encounter=(encounter, "Encounter"),
            author=(reference_of(first(r.get("author"))), "Practitioner"),
        ),
        file_content=file_content,
    )


def map_observation(r: Resource) -> MappedRow:
    reference_range = first(r.get("referenceRange"))
    interpretation = first(r.get("interpretation"))
    interpretations = [
        {"code": code_of(concept), "display": display_of(concept)}
        for concept in r.get("interpretation", [])
    ]
    return MappedRow(
        "Observation",
        r["id"],
        {
            **coded_fields(r.get("code")),
            "status": checked_choice(
                r["status"], clinical.ObservationStatus, "Observation", "status"
            ),
            "category": _observation_category(r),
            "effective_at": period_start(r, "effective")
            or parse_datetime(r.get("effectiveInstant")),
            "issued_at": parse_datetime(r.get("issued")),
            "date_precisions": date_precisions(effective_at=period_start_text(r, "effective")),
            **_observation_value(r),
            "reference_low": reference_range.get("low", {}).get("value"),
            "reference_high": reference_range.get("high", {}).get("value"),
            "reference_text": reference_range.get("text", ""),
            "interpretation": code_of(interpretation),
            "interpretation_display": display_of(interpretation),
            "reference_ranges": r.get("referenceRange", []),
            "interpretations": interpretations,
            "components": [_component(c) for c in r.get("component", [])],
            "note": "\n".join(n["text"] for n in r.get("note", []) if n.get("text")),
        },
        {
            **_patient_and_encounter(r, "subject"),
            **refs(performer=(reference_of(first(r.get("performer"))), "Practitioner")),
        },
    )


def map_diagnostic_report(r: Resource) -> MappedRow:
    # Each category's first coding; the report keeps the first that has a code, with its system.
    category_codings = [coding_of(c)[:2] for c in r.get("category", [])]
    categories = [code for _system, code in category_codings]
    category_system, category_code = next(
        ((system, code) for system, code in category_codings if code), ("", "")
    )
    texts = [decoded_text(form) for form in r.get("presentedForm", [])]
    return MappedRow(
        "DiagnosticReport",
        r["id"],
        {
            **coded_fields(r.get("code")),
            "status": checked_choice(
                r["status"], clinical.DiagnosticReportStatus, "DiagnosticReport", "status"
            ),
            "kind": _report_kind(categories),
            "category_system": category_system,
            "category_code": category_code,
            "effective_at": period_start(r, "effective"),
            "issued_at": parse_datetime(r.get("issued")),
            "date_precisions": date_precisions(effective_at=period_start_text(r, "effective")),
            "conclusion": r.get("conclusion", ""),
            "presented_text": "\n\n".join(t for t in texts if t),
        },
        {
            **_patient_and_encounter(r, "subject"),
            **refs(performer=(reference_of(first(r.get("performer"))), "Practitioner")),
        },
        result_references=[reference_of(result) for result in r.get("result", [])],
    )


MAPPERS: dict[str, Callable[[Resource], MappedRow]] = {
    "Organization": map_organization,
    "Location": map_location,
    "Practitioner": map_practitioner,
    "Patient": map_patient,
    "Encounter": map_encounter,
    "Condition": map_condition,
    "AllergyIntolerance": map_allergy,
    "Immunization": map_immunization,
    "MedicationRequest": map_medication_request,
    "Procedure": map_procedure,
    "DocumentReference": map_document_reference,
    "Observation": map_observation,
    "DiagnosticReport": map_diagnostic_report,
}


# Helpers for the mappers ----------------------------------------------------------------------


@functools.cache
def _allowed(choices: type) -> frozenset[str]:
    """The values of a TextChoices class (built once: Django builds `.values` on every read)."""
    return frozenset(choices.values)


class _with_blank:
    """A TextChoices class whose empty value is also allowed (the element is optional)."""

    def __init__(self, choices: type) -> None:
        self.values = [*choices.values, ""]


def _patient_and_encounter(r: Resource, patient_element: str) -> dict[str, tuple[str, str]]:
    return refs(
        patient=(reference_of(r.get(patient_element)), "Patient"),
        encounter=(reference_of(r.get("encounter")), "Encounter"),
    )


def _observation_category(r: Resource) -> str:
    for concept in r.get("category", []):
        for coding in concept.get("coding", []):
            code = coding.get("code", "")
            if code in _allowed(clinical.ObservationCategory):
                return code
    return clinical.ObservationCategory.OTHER


def empty_observation_value() -> dict[str, Any]:
    """An observation's value columns with no value in them (each mapper fills in its own)."""
    return {
        "value_type": "",
        "value_quantity": None,
        "value_unit": "",
        "value_unit_code": "",
        "value_string": "",
        "value_code_system": "",
        "value_code": "",
        "value_code_display": "",
        "value_data": None,
    }


def _observation_value(r: Resource) -> dict[str, Any]:
    """The value in the columns of its FHIR type, and that type (`value_type`), so the export
    writes back the element the source gave: `valueInteger` stays an integer, `valueBoolean` a
    yes or no, and a ratio, range, period or sampled data is kept as given in `value_data`."""
    value = empty_observation_value()
    value_type = value_type_of(r)
    if not value_type:
        return value
    given = r[clinical.VALUE_ELEMENTS[value_type]]
    value["value_type"] = value_type
    if value_type == clinical.ObservationValueType.QUANTITY:
        value["value_quantity"] = given.get("value")
        value["value_unit"], value["value_unit_code"] = unit_of(given)
    elif value_type == clinical.ObservationValueType.INTEGER:
        value["value_quantity"] = float(given)
    elif value_type == clinical.ObservationValueType.CODEABLE_CONCEPT:
        system, code, display = coding_of(given)
        value.update(value_code_system=system, value_code=code, value_code_display=display)
    elif value_type in clinical.STRUCTURED_VALUE_TYPES:
        value["value_data"] = given
    else:
        # A string, a time ("14:30:00") or a date-time, as the source wrote it.
        value["value_string"] = given
    return value


def value_type_of(element: Resource) -> str:
    """The type of an observation's or a component's `value[x]`; "" when it has none."""
    return next(
        (
            str(value_type)
            for value_type, name in clinical.VALUE_ELEMENTS.items()
            if name in element
        ),
        "",
    )


def unit_of(quantity: Resource) -> tuple[str, str]:
    """A Quantity's unit text, and its UCUM code when the source gave one the text does not say.

    The text is the source's `unit` (or its code when it gave no text). The code is kept only
    when it is UCUM's (the system says so) and differs from the text (`mcg/mL` for `ug/mL`); a
    text that is the code itself is written back as UCUM by the export when it parses as UCUM.
    """
    code = quantity.get("code", "")
    unit = quantity.get("unit") or code
    ucum_code = code if quantity.get("system") == UCUM_SYSTEM and code != unit else ""
    return unit, ucum_code


def _component(component: Resource) -> dict[str, Any]:
    """A component as the JSON `Observation.components` holds (see there), its value typed."""
    system, code, display = coding_of(component.get("code"))
    value_type = value_type_of(component)
    given = component.get(clinical.VALUE_ELEMENTS.get(value_type, ""))
    quantity = given if value_type == clinical.ObservationValueType.QUANTITY else {}
    unit, unit_code = unit_of(quantity)
    stored: dict[str, Any] = {
        "system": system,
        "code": code,
        "display": display,
        "value_type": value_type,
        "value": quantity.get("value"),
        "unit": unit,
        "unit_code": unit_code,
        "text": "",
    }
    if value_type == clinical.ObservationValueType.INTEGER:
        stored["value"] = float(given)
    elif value_type == clinical.ObservationValueType.CODEABLE_CONCEPT:
        value_system, value_code, _display = coding_of(given)
        stored.update(text=display_of(given), value_system=value_system, value_code=value_code)
    elif value_type in clinical.STRUCTURED_VALUE_TYPES:
        stored["value_data"] = given
    elif value_type and value_type != clinical.ObservationValueType.QUANTITY:
        stored["text"] = given
    # A part's own ranges and interpretations, where it has any, as given.
    for key, element in (
        ("reference_ranges", "referenceRange"),
        ("interpretations", "interpretation"),
    ):
        if component.get(element):
            stored[key] = component[element]
    return stored


def _report_kind(categories: list[str]) -> str:
    if any(code in IMAGING_SECTIONS for code in categories):
        return clinical.ReportKind.IMAGING
    if any(code in LAB_SECTIONS for code in categories):
        return clinical.ReportKind.LABORATORY
    return clinical.ReportKind.OTHER
