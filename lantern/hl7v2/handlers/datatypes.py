"""HL7 v2 data types read into what the clinical models hold: dates and times, coded values."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings

from lantern.clinical.models import DatePrecision

from .errors import Refusal
from .text import Repetition, SegmentReader, rep_text

# HL7 v2 code system names (table 0396) and the FHIR systems the record keeps codes in. A name
# not listed is a local code system: the code and its text are kept, with no system.
CODE_SYSTEMS = {
    "LN": "http://loinc.org",
    "SCT": "http://snomed.info/sct",
    "SNM": "http://snomed.info/sct",
    "SNOMED": "http://snomed.info/sct",
    "UCUM": "http://unitsofmeasure.org",
    "CVX": "http://hl7.org/fhir/sid/cvx",
    "NDC": "http://hl7.org/fhir/sid/ndc",
    "RXNORM": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "I10": "http://hl7.org/fhir/sid/icd-10-cm",
    "I10C": "http://hl7.org/fhir/sid/icd-10-cm",
    "I9": "http://hl7.org/fhir/sid/icd-9-cm",
    "I9C": "http://hl7.org/fhir/sid/icd-9-cm",
    "I9CDX": "http://hl7.org/fhir/sid/icd-9-cm",
    "MVX": "http://hl7.org/fhir/sid/mvx",
    "NCIT": "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl",
}
TABLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-{table}"

_TS = re.compile(
    r"^(?P<year>\d{4})(?P<month>\d{2})?(?P<day>\d{2})?"
    r"(?P<hour>\d{2})?(?P<minute>\d{2})?(?P<second>\d{2})?(?:\.(?P<fraction>\d{1,4}))?"
    r"(?P<offset>[+-]\d{4})?$"
)


@dataclass(frozen=True)
class Moment:
    """A date/time as the record stores it: an aware instant, and the precision of a date
    given without a time ("" for a real instant; such dates are midnight UTC, never shifted)."""

    at: dt.datetime
    precision: str = ""


def clinic_zone() -> zoneinfo.ZoneInfo:
    """The zone of a time sent without an offset: the deployment's (`TIME_ZONE`)."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def parse_moment(value: str, location: str, *, zone: dt.tzinfo | None = None) -> Moment | None:
    """An HL7 DTM/TS ("20141006064500+0700", "201410231322-0600", "20080205", "200803").

    With an offset the instant is exact; a time without one is in `zone` (by default the
    clinic's, `TIME_ZONE`); a date
    without a time keeps its calendar day (midnight UTC and its precision), as FHIR dates do.
    Raises Refusal (at `location`) for anything that is not a date.
    """
    value = value.strip()
    if not value:
        return None
    match = _TS.match(value)
    if match is None:
        raise Refusal(f"{location.split('^')[0]} has a date that cannot be read", location)
    parts = match.groupdict()
    try:
        if parts["hour"] is None:
            day = dt.date(int(parts["year"]), int(parts["month"] or 1), int(parts["day"] or 1))
            precision = (
                DatePrecision.DAY
                if parts["day"]
                else DatePrecision.MONTH
                if parts["month"]
                else DatePrecision.YEAR
            )
            return Moment(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC), precision)
        fraction = (parts["fraction"] or "").ljust(6, "0")
        wall = dt.datetime(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"]),
            int(parts["hour"]),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            int(fraction),
            tzinfo=dt.UTC,
        )
    except (TypeError, ValueError):
        raise Refusal(
            f"{location.split('^')[0]} has a date that cannot be read", location
        ) from None
    offset = parts["offset"]
    if offset:
        sign = 1 if offset[0] == "+" else -1
        delta = dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        return Moment(wall.replace(tzinfo=dt.timezone(sign * delta)))
    return Moment(wall.replace(tzinfo=zone or clinic_zone()))


def parse_date(value: str, location: str) -> dt.date | None:
    """The calendar date of a DT or DTM (a birth date sent with a time keeps its own day)."""
    value = value.strip()
    if not value:
        return None
    moment = parse_moment(value[:8], location)
    return moment.at.date() if moment else None


@dataclass(frozen=True)
class Coded:
    """A CE/CWE/CNE value: its first coding, and the original text the sender wrote."""

    code: str = ""
    display: str = ""
    system: str = ""
    system_name: str = ""
    original_text: str = ""

    @property
    def text(self) -> str:
        """What to call it: the coding's display, else the original text, else the code."""
        return self.display or self.original_text or self.code

    def __bool__(self) -> bool:
        return bool(self.code or self.display or self.original_text)


def system_uri(name: str) -> str:
    name = name.strip().upper()
    if name in CODE_SYSTEMS:
        return CODE_SYSTEMS[name]
    if re.fullmatch(r"HL7\d{4}", name):
        return TABLE_SYSTEM.format(table=name[3:])
    return ""


def coded(message, repetition: Repetition | None) -> Coded:
    """CE/CWE: 1 identifier, 2 text, 3 system; 4-6 the alternate coding (used when the first is
    empty); 9 the original text."""
    if not repetition:
        return Coded()

    def part(number: int) -> str:
        return rep_text(message, repetition, number)

    code, display, system = part(1), part(2), part(3)
    if not code and not display:
        code, display, system = part(4), part(5), part(6)
    return Coded(
        code=code,
        display=display,
        system=system_uri(system),
        system_name=system,
        original_text=part(9),
    )


def coded_field(reader: SegmentReader, field: int) -> Coded:
    repetitions = reader.repetitions(field)
    return coded(reader.message, repetitions[0] if repetitions else None)
