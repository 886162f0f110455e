"""Writers for common FHIR data types (CodeableConcept, Identifier, Address ...), as plain dicts.

Each writes what `lantern.interop.fhir_import.mapping` reads back as the same values.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from .ucum import UCUM_SYSTEM, is_ucum

Resource = dict[str, Any]

IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
# A language tag as BCP 47 shapes it (language, then subtags: `en`, `en-US`, `zh-Hans-CN`).
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"


def url_of(pk: uuid.UUID | str) -> str:
    return f"urn:uuid:{pk}"


def ref(pk: uuid.UUID | None) -> Resource | None:
    return {"reference": url_of(pk)} if pk is not None else None


def compact(resource: Resource) -> Resource:
    """Drop empty values: FHIR has no empty strings, lists or objects."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}


def instant(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


# How a date the source gave without a time is written back: "1990", "2011-05", "2011-04-30".
_PARTIAL_FORMATS = {"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d"}


def date_time(record: Any, name: str) -> str | None:
    """A record's dateTime field as the source gave it: a date without a time stays one (at the
    precision recorded in `date_precisions`, read in UTC where the importer stored it); any other
    value is an instant."""
    value = getattr(record, name)
    partial = _PARTIAL_FORMATS.get(record.date_precisions.get(name, ""))
    if value is None or partial is None:
        return instant(value)
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC)
    return value.strftime(partial)


def concept(system: str = "", code: str = "", display: str = "") -> Resource | None:
    """A CodeableConcept the importer reads back as the same (system, code, display)."""
    if system or code:
        return {"coding": [compact({"system": system, "code": code, "display": display})]}
    if display:
        return {"text": display}
    return None


def text_concept(code: str, text: str, system: str = "") -> Resource | None:
    """A CodeableConcept read back with `coding_of` and `display_of` (text first)."""
    coding = [compact({"system": system, "code": code})] if code or system else []
    return compact({"coding": coding, "text": text}) or None


def quantity(value: float | None, unit: str, ucum_code: str = "") -> Resource:
    """A Quantity: the unit as recorded, with UCUM's system and code when Lantern knows the code.

    The code is the UCUM code the source gave (kept when it differs from the unit's text), else
    the text itself when it parses as UCUM. FHIR's qty-3 rule asks for a system wherever a code
    is given; a unit that is not UCUM (or that Lantern cannot tell is) stays as display text, so
    no code is ever guessed.
    """
    code = ucum_code or (unit if is_ucum(unit) else "")
    return compact(
        {
            "value": value,
            "unit": unit,
            "system": UCUM_SYSTEM if code else "",
            "code": code,
        }
    )


def language_concept(code: str, display: str) -> Resource | None:
    """A language as Patient.communication.language takes it.

    FHIR R4 bounds that element by the AllLanguages value set (every BCP 47 tag, a required
    maximum binding), so a stored language tag is a code of urn:ietf:bcp:47; a value that is no
    language tag keeps no system rather than a wrong one.
    """
    if not code:
        return {"text": display} if display else None
    system = LANGUAGE_SYSTEM if _LANGUAGE_TAG.match(code) else ""
    return {"coding": [compact({"system": system, "code": code, "display": display})]}


def absent() -> Resource:
    """An element FHIR requires but the record does not hold, marked as unknown."""
    return {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": "unknown"}]}


def coded(record: Any) -> Resource | None:
    return concept(record.code_system, record.code, record.display)


def status_concept(system: str, code: str) -> Resource | None:
    return {"coding": [{"system": system, "code": code}]} if code else None


def identifiers(stored: list[dict[str, str]], *extra: tuple[str, str, str]) -> list[Resource]:
    """The stored identifiers, plus (system, value, type) ones a field holds but the list lacks."""
    rows = list(stored or [])
    for system, value, type_code in extra:
        if value and not any(row.get("value") == value for row in rows):
            rows.append({"system": system, "value": value, "type": type_code})
    return [
        compact(
            {
                "type": {"coding": [{"system": IDENTIFIER_TYPE_SYSTEM, "code": row["type"]}]}
                if row.get("type")
                else None,
                "system": row.get("system", ""),
                "value": row.get("value", ""),
            }
        )
        for row in rows
    ]


def address(record: Any) -> Resource | None:
    return (
        compact(
            {
                "line": [record.address_line] if record.address_line else [],
                "city": record.city,
                "state": record.state,
                "postalCode": record.postal_code,
                "country": record.country,
            }
        )
        or None
    )


def telecom(phone: str, email: str = "") -> list[Resource]:
    return [
        {"system": system, "value": value}
        for system, value in (("phone", phone), ("email", email))
        if value
    ]


def human_name(record: Any) -> list[Resource]:
    name = compact(
        {
            "use": "official",
            "prefix": [record.prefix] if record.prefix else [],
            "given": [record.given_names] if record.given_names else [],
            "family": record.family_name,
            "suffix": [record.suffix] if record.suffix else [],
        }
    )
    return [name] if len(name) > 1 else []


def base(record: Any) -> Resource:
    return {"resourceType": record.RESOURCE_TYPE, "id": record.fhir_id}
