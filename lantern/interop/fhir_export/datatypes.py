"""Writers for common FHIR data types (CodeableConcept, Identifier, Address ...), as plain dicts.

Each writes what `lantern.interop.fhir_import.mapping` reads back as the same values.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

Resource = dict[str, Any]

IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"


def url_of(pk: uuid.UUID | str) -> str:
    return f"urn:uuid:{pk}"


def ref(pk: uuid.UUID | None) -> Resource | None:
    return {"reference": url_of(pk)} if pk is not None else None


def compact(resource: Resource) -> Resource:
    """Drop empty values: FHIR has no empty strings, lists or objects."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}


def instant(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def concept(system: str = "", code: str = "", display: str = "") -> Resource | None:
    """A CodeableConcept the importer reads back as the same (system, code, display)."""
    if system or code:
        return {"coding": [compact({"system": system, "code": code, "display": display})]}
    if display:
        return {"text": display}
    return None


def text_concept(code: str, text: str, system: str = "") -> Resource | None:
    """A CodeableConcept read back with `code_of` and `display_of` (text first)."""
    coding = [compact({"system": system, "code": code})] if code else []
    return compact({"coding": coding, "text": text}) or None


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
