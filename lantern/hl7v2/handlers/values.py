"""OBX read into an observation's value, range, flags and status (HL7 v2 to the record's terms)."""

from __future__ import annotations

import re
from typing import Any

from lantern.clinical.models import DiagnosticReportStatus, ObservationStatus
from lantern.clinical.models import ObservationValueType as ValueType
from lantern.interop.fhir_import.mapping import empty_observation_value

from .datatypes import coded, coded_field, parse_moment
from .errors import Refusal
from .text import SegmentReader, rep_text, rep_whole_text

UCUM_NAMES = frozenset({"UCUM", "ISO+", "ANS+"})
# OBX-2 value types read into a value, and those that are skipped (no value Lantern can show:
# encapsulated data, a pointer to another system, a structured address or person).
TEXT_TYPES = frozenset({"ST", "TX", "FT", "ID", "IS"})
CODED_TYPES = frozenset({"CE", "CWE", "CNE", "CF"})
DATE_TYPES = frozenset({"DT", "DTM", "TS"})
SKIPPED_TYPES = frozenset({"ED", "RP", "AD", "XAD", "XPN", "XCN", "XON", "XTN", "CP", "MO", "CX"})

# HL7 table 0085 (OBX-11) and 0123 (OBR-25) in FHIR's statuses (as the HL7 v2-to-FHIR maps).
OBSERVATION_STATUS = {
    "F": ObservationStatus.FINAL,
    "U": ObservationStatus.FINAL,
    "C": ObservationStatus.CORRECTED,
    "A": ObservationStatus.AMENDED,
    "P": ObservationStatus.PRELIMINARY,
    "R": ObservationStatus.PRELIMINARY,
    "S": ObservationStatus.PRELIMINARY,
    "I": ObservationStatus.REGISTERED,
    "O": ObservationStatus.REGISTERED,
    "X": ObservationStatus.CANCELLED,
    "N": ObservationStatus.CANCELLED,
    "D": ObservationStatus.ENTERED_IN_ERROR,
    "W": ObservationStatus.ENTERED_IN_ERROR,
}
REPORT_STATUS = {
    "O": DiagnosticReportStatus.REGISTERED,
    "I": DiagnosticReportStatus.REGISTERED,
    "S": DiagnosticReportStatus.REGISTERED,
    "A": DiagnosticReportStatus.PARTIAL,
    "R": DiagnosticReportStatus.PARTIAL,
    "P": DiagnosticReportStatus.PRELIMINARY,
    "C": DiagnosticReportStatus.CORRECTED,
    "F": DiagnosticReportStatus.FINAL,
    "X": DiagnosticReportStatus.CANCELLED,
    "Y": DiagnosticReportStatus.UNKNOWN,
    "Z": DiagnosticReportStatus.UNKNOWN,
}
# A report's status for its values that have none of their own.
REPORT_TO_OBSERVATION = {
    DiagnosticReportStatus.REGISTERED: ObservationStatus.REGISTERED,
    DiagnosticReportStatus.PARTIAL: ObservationStatus.PRELIMINARY,
    DiagnosticReportStatus.PRELIMINARY: ObservationStatus.PRELIMINARY,
    DiagnosticReportStatus.CORRECTED: ObservationStatus.CORRECTED,
    DiagnosticReportStatus.FINAL: ObservationStatus.FINAL,
    DiagnosticReportStatus.CANCELLED: ObservationStatus.CANCELLED,
}

# HL7 table 0078 (OBX-8): the codes are FHIR's ObservationInterpretation codes (v3), which the
# record keeps and `results.flags` words; each with the display v3 gives it.
INTERPRETATIONS = {
    "L": "Low",
    "H": "High",
    "LL": "Critical low",
    "HH": "Critical high",
    "LU": "Significantly low",
    "HU": "Significantly high",
    "<": "Off scale low",
    ">": "Off scale high",
    "N": "Normal",
    "A": "Abnormal",
    "AA": "Critical abnormal",
    "U": "Significant change up",
    "D": "Significant change down",
    "B": "Better",
    "W": "Worse",
    "S": "Susceptible",
    "R": "Resistant",
    "I": "Intermediate",
    "MS": "Moderately susceptible",
    "VS": "Very susceptible",
    "NS": "Non-susceptible",
    "SDD": "Susceptible-dose dependent",
    "POS": "Positive",
    "NEG": "Negative",
    "IND": "Indeterminate",
    "DET": "Detected",
    "ND": "Not detected",
    "E": "Equivocal",
    "EX": "Outside threshold",
    "HX": "Above high threshold",
    "LX": "Below low threshold",
    "NR": "Non-reactive",
    "RR": "Reactive",
    "WR": "Weakly reactive",
    "TOX": "Toxic",
    "QCF": "Quality control failure",
    "CAR": "Carrier",
}

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_BETWEEN = re.compile(
    rf"^\s*({_NUMBER})\s*(?:-|\u2013|to|\.\.)\s*({_NUMBER})\s*(\S.*)?$", re.IGNORECASE
)
_BELOW = re.compile(rf"^\s*(?:<=|<|≤)\s*({_NUMBER})\s*$")
_ABOVE = re.compile(rf"^\s*(?:>=|>|≥)\s*({_NUMBER})\s*$")


def number(text: str, location: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise Refusal(f"{location.split('^')[0]} value is not a number", location) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Refusal(f"{location.split('^')[0]} value is not a number", location)
    return value


def unit(obx: SegmentReader) -> tuple[str, str]:
    """OBX-6 as the record keeps it: the unit's text, and its UCUM code when that differs."""
    given = coded_field(obx, 6)
    text = given.display or given.code
    ucum = given.code if given.system_name.upper() in UCUM_NAMES and given.code != text else ""
    return text[:60], ucum[:60]


def reference_range(obx: SegmentReader, unit_text: str) -> dict[str, Any]:
    """OBX-7 ("3.5-5.0", "4.3 to 6.2", "<200", ">60", or words): the bounds it states and the
    text as the lab wrote it. Words or a bound followed by words give the text alone."""
    text = obx.text(7)
    fields: dict[str, Any] = {
        "reference_low": None,
        "reference_high": None,
        "reference_text": text[:300],
        "reference_ranges": [],
    }
    if not text:
        return fields
    low = high = None
    if match := _BETWEEN.match(text):
        if not match.group(3) or match.group(3).strip() == unit_text:
            low, high = float(match.group(1)), float(match.group(2))
    elif match := _BELOW.match(text):
        high = float(match.group(1))
    elif match := _ABOVE.match(text):
        low = float(match.group(1))
    fields["reference_low"], fields["reference_high"] = low, high
    element: dict[str, Any] = {"text": text}
    for name, bound in (("low", low), ("high", high)):
        if bound is not None:
            element[name] = {"value": bound, **({"unit": unit_text} if unit_text else {})}
    fields["reference_ranges"] = [element]
    return fields


def interpretations(obx: SegmentReader) -> dict[str, Any]:
    """OBX-8, every repetition, as the record's interpretation codes (the first in the columns
    the flags read)."""
    found = []
    for repetition in obx.repetitions(8):
        code = rep_text(obx.message, repetition, 1).upper()
        if code:
            text = rep_text(obx.message, repetition, 2)
            found.append({"code": code[:10], "display": INTERPRETATIONS.get(code, text)[:100]})
    first = found[0] if found else {"code": "", "display": ""}
    return {
        "interpretation": first["code"],
        "interpretation_display": first["display"],
        "interpretations": found,
    }


def observation_status(obx: SegmentReader, fallback: str) -> str:
    code = obx.text(11).upper()
    if not code:
        return REPORT_TO_OBSERVATION.get(fallback, ObservationStatus.UNKNOWN)
    if code not in OBSERVATION_STATUS:
        raise Refusal("OBX-11 is not a result status of HL7 table 0085", obx.location(11))
    return OBSERVATION_STATUS[code]


def report_status(obr: SegmentReader) -> str:
    code = obr.text(25).upper()
    if not code:
        return DiagnosticReportStatus.UNKNOWN
    if code not in REPORT_STATUS:
        raise Refusal("OBR-25 is not a result status of HL7 table 0123", obr.location(25))
    return REPORT_STATUS[code]


def _structured_numeric(obx: SegmentReader, repetition, unit_text: str, ucum: str):
    """SN: comparator ^ number ^ separator or suffix ^ number.

    "^5.2" is a number; "<^5" and ">^60" a bound, kept as the lab wrote it (text: the record
    has no comparator); "^3^-^5" a range; "^1^:^128" and "^1^/^2" a ratio; "^2^+" text.
    """
    location = obx.location(5)

    def part(component: int) -> str:
        return rep_text(obx.message, repetition, component)

    comparator, first, separator, second = part(1), part(2), part(3), part(4)
    value = empty_observation_value()
    if not first:
        raise Refusal("OBX-5 structured numeric has no number", location)
    first_number = number(first, location)
    quantity = {"unit": unit_text, **({"code": ucum} if ucum else {})} if unit_text else {}
    if separator in ("-", ":", "/") and second:
        second_number = number(second, location)
        if separator == "-":
            value["value_type"] = ValueType.RANGE
            value["value_data"] = {
                "low": {"value": first_number, **quantity},
                "high": {"value": second_number, **quantity},
            }
        else:
            value["value_type"] = ValueType.RATIO
            value["value_data"] = {
                "numerator": {"value": first_number},
                "denominator": {"value": second_number},
            }
        return value
    if comparator or separator:
        value["value_type"] = ValueType.STRING
        value["value_string"] = f"{comparator}{first}{separator}{second}".strip()
        value["value_unit"], value["value_unit_code"] = unit_text, ucum
        return value
    value["value_type"] = ValueType.QUANTITY
    value["value_quantity"] = first_number
    value["value_unit"], value["value_unit_code"] = unit_text, ucum
    return value


def _date_text(obx: SegmentReader, text: str) -> str:
    moment = parse_moment(text, obx.location(5))
    if moment is None:
        return ""
    if moment.precision:
        return moment.at.date().isoformat()[: {"year": 4, "month": 7}.get(moment.precision, 10)]
    return moment.at.isoformat()


def _rep_words(obx: SegmentReader, value_type: str, repetition) -> str:
    if value_type in CODED_TYPES:
        return coded(obx.message, repetition).text
    if value_type == "SN":
        return "".join(rep_text(obx.message, repetition, n) for n in (1, 2, 3, 4))
    return rep_text(obx.message, repetition, 1)


def observation_value(obx: SegmentReader) -> dict[str, Any] | None:
    """OBX-2 and OBX-5 (with OBX-6) in the record's value columns; None for a value type
    Lantern does not keep (ED, RP ...). Raises Refusal for a value its type cannot hold."""
    value_type = obx.text(2).upper()
    repetitions = obx.repetitions(5)
    value = empty_observation_value()
    unit_text, ucum = unit(obx)
    if value_type in SKIPPED_TYPES:
        return None
    if not repetitions:
        return value
    if value_type and value_type not in (
        TEXT_TYPES | CODED_TYPES | DATE_TYPES | {"NM", "SN", "TM"}
    ):
        raise Refusal("OBX-2 is a value type Lantern does not read", obx.location(2))
    if value_type in TEXT_TYPES or not value_type:
        # Text repeats line by line; FT's formatting codes are already line breaks.
        lines = [rep_whole_text(obx.message, repetition) for repetition in repetitions]
        value["value_type"] = ValueType.STRING
        value["value_string"] = "\n".join(lines)
        return value
    if len(repetitions) > 1:
        # Several values in one OBX: kept as words, in the order sent, so none is lost.
        value["value_type"] = ValueType.STRING
        value["value_string"] = "; ".join(
            _rep_words(obx, value_type, repetition) for repetition in repetitions
        )
        value["value_unit"], value["value_unit_code"] = unit_text, ucum
        return value
    repetition = repetitions[0]
    if value_type == "NM":
        value["value_type"] = ValueType.QUANTITY
        value["value_quantity"] = number(rep_text(obx.message, repetition, 1), obx.location(5))
        value["value_unit"], value["value_unit_code"] = unit_text, ucum
    elif value_type == "SN":
        value = _structured_numeric(obx, repetition, unit_text, ucum)
    elif value_type in CODED_TYPES:
        given = coded(obx.message, repetition)
        value["value_type"] = ValueType.CODEABLE_CONCEPT
        value["value_code_system"] = given.system
        value["value_code"] = given.code[:64]
        value["value_code_display"] = given.text[:300]
    elif value_type in DATE_TYPES:
        value["value_type"] = ValueType.DATE_TIME
        value["value_string"] = _date_text(obx, rep_text(obx.message, repetition, 1))
    elif value_type == "TM":
        text = rep_text(obx.message, repetition, 1)
        match = re.match(r"^(\d{2})(\d{2})?(\d{2})?", text)
        if match is None:
            raise Refusal("OBX-5 time cannot be read", obx.location(5))
        value["value_type"] = ValueType.TIME
        value["value_string"] = ":".join(part or "00" for part in match.groups())
    return value
