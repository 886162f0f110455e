"""Reading FHIR search parameters: tokens, dates with prefixes, `_count`, `_sort`, `_include`.

A search's query string is read once into a `SearchRequest`; a parameter the type does not
know, a modifier, or a value that cannot be read is a 400 (FHIR's strict handling), so an app
never gets a larger set than it asked for without noticing. Each parameter given several times
must match each time (AND); a value with commas matches any of them (OR).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.db.models import Q

from .outcomes import bad_request, not_supported

DEFAULT_COUNT = 20
MAX_COUNT = 100
# Result parameters every search accepts; `_format` is read by the view.
RESULT_PARAMETERS = frozenset({"_count", "_sort", "_include", "_cursor", "_format"})
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Token:
    """One token value: `system|code`, `|code` (no system), `code` (any system), `system|`."""

    system: str | None
    code: str


# A token parameter turns one value into the condition it stands for.
TokenMatch = Callable[[Token], Q]


@dataclass(frozen=True)
class TokenParam:
    match: TokenMatch


@dataclass(frozen=True)
class DateParam:
    field: str
    # A date field (a birth date), compared by calendar day rather than by instant.
    calendar: bool = False


@dataclass(frozen=True)
class StringParam:
    """Matches when a field starts with the value, ignoring case (FHIR's string search)."""

    fields: tuple[str, ...]


Param = TokenParam | DateParam | StringParam


def read_token(value: str) -> Token:
    if "|" not in value:
        return Token(None, value)
    system, _, code = value.partition("|")
    return Token(system, code)


def code_match(field_name: str, *, known: Mapping[str, str] | None = None) -> TokenMatch:
    """A `code` element (status, intent): the system is implied, so only the code is compared.

    `known` maps the FHIR code to the stored one where they differ; a code it does not name
    matches nothing.
    """

    def match(token: Token) -> Q:
        if known is not None:
            if token.code not in known:
                return NOTHING
            return Q(**{field_name: known[token.code]})
        return Q(**{field_name: token.code})

    return match


def coding_match(system_field: str, code_field: str) -> TokenMatch:
    """A CodeableConcept stored as (system, code) columns."""

    def match(token: Token) -> Q:
        condition = Q()
        if token.system is not None:
            condition &= Q(**{system_field: token.system})
        if token.code:
            condition &= Q(**{code_field: token.code})
        return condition if condition else NOTHING

    return match


def fixed_system_match(system: str, code_field: str, *, codes: frozenset[str] | None = None):
    """A CodeableConcept whose system is always `system` (written by the export): a value of
    another system matches nothing; `codes`, when given, are the only codes ever written."""

    def match(token: Token) -> Q:
        if token.system not in (None, system):
            return NOTHING
        if not token.code:
            return Q()
        if codes is not None and token.code not in codes:
            return NOTHING
        return Q(**{code_field: token.code})

    return match


# Dates ----------------------------------------------------------------------------------------

DATE_PREFIXES = ("eq", "lt", "le", "gt", "ge")
_DATE_VALUE = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


@dataclass(frozen=True)
class DateRange:
    """The instants a date value stands for: from `start` (included) to `end` (excluded)."""

    start: dt.datetime
    end: dt.datetime


def read_date(value: str) -> tuple[str, DateRange]:
    """A date parameter's prefix and the range its value covers.

    A date without a time (2024, 2024-05, 2024-05-01) is a calendar period in UTC, the way
    Lantern stores dates given without a time; a time without a zone is read as UTC.
    """
    prefix = value[:2] if value[:2].isalpha() else "eq"
    text = value[2:] if value[:2].isalpha() else value
    if prefix not in DATE_PREFIXES:
        raise not_supported(
            f"The date prefix {prefix!r} is not supported; use eq, lt, le, gt or ge."
        )
    match = _DATE_VALUE.match(text)
    if match is None:
        raise bad_request(
            f"{value!r} is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime)."
        )
    try:
        year = int(match["year"])
        if match["time"]:
            stamp = dt.datetime.fromisoformat(
                f"{text[:10]}T{match['time']}{(match['zone'] or 'Z').replace('Z', '+00:00')}"
            )
            precision = (
                dt.timedelta(seconds=1)
                if match["time"].count(":") == 2
                else (dt.timedelta(minutes=1))
            )
            if "." in match["time"]:
                precision = dt.timedelta(microseconds=1)
            return prefix, DateRange(stamp, stamp + precision)
        if match["day"]:
            start = dt.datetime(year, int(match["month"]), int(match["day"]), tzinfo=dt.UTC)
            return prefix, DateRange(start, start + dt.timedelta(days=1))
        if match["month"]:
            month = int(match["month"])
            start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
            end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
            return prefix, DateRange(start, end)
        return prefix, DateRange(
            dt.datetime(year, 1, 1, tzinfo=dt.UTC), dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
        )
    except ValueError as error:
        raise bad_request(f"{value!r} is not a date that exists.") from error


def date_condition(field_name: str, value: str, *, calendar: bool = False) -> Q:
    """The condition of one date value on an instant field, or with `calendar` a date field
    (a missing date never matches)."""
    prefix, period = read_date(value)
    if calendar:
        period = DateRange(
            period.start.date(),
            (period.end - dt.timedelta(microseconds=1)).date() + dt.timedelta(days=1),
        )  # type: ignore[arg-type]
    if prefix == "eq":
        return Q(**{f"{field_name}__gte": period.start, f"{field_name}__lt": period.end})
    if prefix == "lt":
        return Q(**{f"{field_name}__lt": period.start})
    if prefix == "le":
        return Q(**{f"{field_name}__lt": period.end})
    if prefix == "gt":
        return Q(**{f"{field_name}__gte": period.end})
    return Q(**{f"{field_name}__gte": period.start})


# The whole query string -----------------------------------------------------------------------


@dataclass(frozen=True)
class SearchRequest:
    """A search, read: the conditions, the page size, the order and the page to start after."""

    conditions: tuple[Q, ...] = ()
    count: int = DEFAULT_COUNT
    descending: bool = True
    includes: frozenset[str] = frozenset()
    cursor: str = ""
    # The patient the search names (`patient=`), when it names one: "" when it does not.
    patient_ids: tuple[frozenset[str], ...] = ()
    # The parameters as given, in order, to write the `self` and `next` links.
    parameters: tuple[tuple[str, str], ...] = field(default=())


def read_count(values: list[str]) -> int:
    if not values:
        return DEFAULT_COUNT
    try:
        count = int(values[-1])
    except ValueError as error:
        raise bad_request("_count must be a whole number from 1 to 100.") from error
    if count < 1:
        raise bad_request("_count must be a whole number from 1 to 100.")
    return min(count, MAX_COUNT)


def read_patient(value: str) -> frozenset[str]:
    """The ids a `patient` value names: `123`, `Patient/123`, or several, comma-separated."""
    ids = set()
    for item in value.split(","):
        ids.add(item.removeprefix("Patient/").strip())
    return frozenset(ids)


def search_request(
    resource_type: str,
    query: list[tuple[str, str]],
    *,
    params: Mapping[str, Param],
    sortable: bool,
    includes: frozenset[str],
) -> SearchRequest:
    """Read a search's query string (as (name, value) pairs, in order) for `resource_type`."""
    conditions: list[Q] = []
    patient_ids: list[frozenset[str]] = []
    result: dict[str, list[str]] = {}
    for name, value in query:
        base, _, modifier = name.partition(":")
        if base in RESULT_PARAMETERS:
            if modifier:
                raise not_supported(f"The parameter {name!r} takes no modifier.")
            result.setdefault(base, []).append(value)
            continue
        by_patient = base == "patient" and resource_type != "Patient"
        if not by_patient and base not in params:
            raise bad_request(
                f"{resource_type} has no search parameter {base!r} here; the CapabilityStatement "
                "at metadata lists those supported."
            )
        if modifier:
            raise not_supported(f"The modifier {name!r} is not supported.")
        if value == "":
            raise bad_request(f"The parameter {name!r} has no value.")
        if by_patient:
            patient_ids.append(read_patient(value))
            continue
        conditions.append(_condition(params[base], value))
    sort = result.get("_sort", [])
    descending = True
    if sort:
        if len(sort) > 1 or not sortable or sort[0] not in ("date", "-date"):
            raise not_supported(
                "_sort takes date (oldest first) or -date (newest first)"
                + ("" if sortable else f"; {resource_type} has no date to sort by")
                + "."
            )
        descending = sort[0] == "-date"
    wanted = frozenset(v for values in result.get("_include", []) for v in values.split(","))
    if not wanted <= includes:
        unknown = ", ".join(sorted(wanted - includes))
        raise not_supported(f"_include={unknown} is not supported for {resource_type}.")
    cursors = result.get("_cursor", [])
    if len(cursors) > 1:
        raise bad_request("Give _cursor once.")
    return SearchRequest(
        conditions=tuple(conditions),
        count=read_count(result.get("_count", [])),
        descending=descending,
        includes=wanted,
        cursor=cursors[0] if cursors else "",
        patient_ids=tuple(patient_ids),
        parameters=tuple((name, value) for name, value in query if name != "_cursor"),
    )


def _condition(param: Param, value: str) -> Q:
    if isinstance(param, DateParam):
        if "," in value:
            raise not_supported("A date parameter takes one value; repeat it to give a range.")
        return date_condition(param.field, value, calendar=param.calendar)
    condition = NOTHING
    for item in value.split(","):
        if isinstance(param, StringParam):
            term = Q()
            for name in param.fields:
                term |= Q(**{f"{name}__istartswith": item})
        else:
            term = param.match(read_token(item))
        condition |= term
    return condition
