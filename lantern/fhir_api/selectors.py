"""Reads and searches of the FHIR API, for an authorized app (`policy.api_access`).

Each selector takes the PatientAccess of the app and the token's ParsedScopes: the scopes say
which types (403 for another) and which categories it may read; the access says which sections
of the record the person who connected it may open for this patient (another section is "not
found"). Every read and search writes one audit event once it knows what it touched.

A search costs the same number of queries whatever its page size and the size of the record:
the page (one query), the reports' results (one, for reports), the included results (one), the
previous page's last date (one, on later pages), and the audit event.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from lantern.access import policy
from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole, AuditAction
from lantern.core.statements import (
    Statement,
    condition_from_shape,
    condition_shape,
    condition_values,
)
from lantern.results.release import release_shape, release_values

from .caller import RESOURCE_SECTIONS
from .outcomes import bad_request, forbidden, not_found
from .paging import after, cursor_dump, cursor_load, ordered
from .resources import INCLUDE_LIMIT, TYPES, ResourceType
from .rows import records
from .scopes import READ, SEARCH, ParsedScopes
from .search import SearchRequest

Resource = dict[str, Any]
EVERYTHING_DEFAULT_COUNT = 50
EVERYTHING_OBJECT_TYPE = "Bundle"


@dataclass
class SearchPage:
    """One page of a search: the matches in order, what `_include` added, the next cursor."""

    matches: list[Resource] = field(default_factory=list)
    included: list[Resource] = field(default_factory=list)
    next_cursor: str = ""


def resource_type_get(name: str) -> ResourceType:
    """The served type of that name, or 404."""
    resource_type = TYPES.get(name)
    if resource_type is None:
        raise not_found(f"The resource type {name!r}")
    return resource_type


def scope_require(scopes: ParsedScopes, resource_type: str, interaction: str) -> None:
    """403 unless the token's scopes allow `interaction` ("r" or "s") on the type."""
    if not scopes.allows(resource_type, interaction):
        raise forbidden(resource_type)


def _section_require(access: PatientAccess, resource_type: str, object_id: str = "") -> None:
    """The person who connected the app must be able to open the type's section (a proxy's
    relationship may not): otherwise "not found", audited as denied."""
    if not access.may(RESOURCE_SECTIONS[resource_type]):
        policy.access_denied_record(
            access.user,
            access.patient.pk,
            action=AuditAction.VIEW,
            object_type=resource_type,
            object_id=object_id[: policy.OBJECT_ID_LENGTH],
        )
        raise not_found(f"{resource_type}/{object_id}" if object_id else resource_type)


def _visible(
    access: PatientAccess, scopes: ParsedScopes, resource_type: ResourceType, interaction: str
) -> QuerySet:
    """The type's records this access and these scopes may see (a category-limited scope
    leaves out the other categories)."""
    queryset = resource_type.records(access)
    condition = resource_type.category_condition(scopes.categories(resource_type.name, interaction))
    return queryset if condition is None else queryset.filter(condition)


def resource_read(
    *, access: PatientAccess, scopes: ParsedScopes, type_name: str, resource_id: str
) -> Resource:
    """One resource by its id, audited; anything the app may not see is 404 (audited as
    denied). Raises FhirError, or policy.ObjectNotFound (the caller audits it as denied)."""
    resource_type = resource_type_get(type_name)
    scope_require(scopes, type_name, READ)
    _section_require(access, type_name, resource_id)
    queryset = _visible(access, scopes, resource_type, READ)
    record = policy.object_get(
        access,
        queryset,
        resource_id,
        object_type=type_name,
        owner_field="pk" if type_name == "Patient" else "patient_id",
    )
    return resource_type.export([record], access)[0]


def resources_search(
    *, access: PatientAccess, scopes: ParsedScopes, type_name: str, search: SearchRequest
) -> SearchPage:
    """One page of a search of the patient's resources of a type, audited once.

    A `patient` parameter naming anyone but the token's patient matches nothing (an empty
    page, as a search of a compartment the app cannot see).
    """
    resource_type = resource_type_get(type_name)
    scope_require(scopes, type_name, SEARCH)
    _section_require(access, type_name)
    own_id = str(access.patient.pk)
    others = any(own_id not in ids for ids in search.patient_ids)
    first = None if others or search.cursor else _first_page(access, scopes, resource_type, search)
    if first is not None:
        return _page(access, scopes, resource_type, search, first)
    queryset = _visible(access, scopes, resource_type, SEARCH)
    if others:
        queryset = queryset.none()
    for condition in search.conditions:
        queryset = queryset.filter(condition)
    date_field = resource_type.date_field
    if search.cursor:
        last_pk = _cursor_id(search.cursor)
        last = queryset.filter(pk=last_pk)
        found = list(last.values_list(date_field or "pk", flat=True)[:1])
        if not found:
            raise bad_request("The page link no longer matches the search; run it again.")
        queryset = after(
            queryset,
            date_field,
            descending=search.descending,
            last_pk=last_pk,
            last_date=found[0] if date_field else None,
        )
    rows = records(ordered(queryset, date_field, descending=search.descending)[: search.count + 1])
    return _page(access, scopes, resource_type, search, rows)


def _page(
    access: PatientAccess,
    scopes: ParsedScopes,
    resource_type: ResourceType,
    search: SearchRequest,
    rows: list[Any],
) -> SearchPage:
    """The page of `rows` (the page's records and one more, when there are more), its
    `_include`s, audited."""
    page = SearchPage()
    if len(rows) > search.count:
        rows = rows[: search.count]
        page.next_cursor = cursor_dump(i=str(rows[-1].pk))
    page.matches = resource_type.export(rows, access)
    if "DiagnosticReport:result" in search.includes:
        page.included = _report_results(access, scopes, page.matches)
    policy.access_record(access, object_type=resource_type.name)
    return page


def _first_page_queryset(
    type_name: str,
    role: ActorRole,
    release: tuple[bool, tuple[str, ...]],
    shapes: tuple[Hashable, ...],
    descending: bool,
    limit: int,
) -> QuerySet:
    """The first page of a search as `resources_search` builds it, for an access template:
    the type's records, the conditions (with `Param`s where their values go), the order."""
    resource_type = TYPES[type_name]
    # Whether the role waits for results is the role's; the kinds held back are in the shape.
    access = policy.access_template(
        role, memo={"release_delays": dict.fromkeys(release[1], dt.timedelta(0))}
    )
    queryset = resource_type.records(access)
    for position, shape in enumerate(shapes):
        queryset = queryset.filter(
            condition_from_shape(resource_type.model, shape, f"c{position}_")
        )
    return ordered(queryset, resource_type.date_field, descending=descending)[:limit]


# The first page of the searches apps run again and again (the same parameters, other values),
# built once per process for each shape (lantern/core/statements.py).
_FIRST_PAGES = Statement(_first_page_queryset)


def _first_page(
    access: PatientAccess, scopes: ParsedScopes, resource_type: ResourceType, search: SearchRequest
) -> list[Any] | None:
    """The records of a search's first page and one more (to tell whether there is a next),
    read by a statement; None when the search's conditions cannot take `Param`s (a name, a list
    of kinds...), or its type's records are not read from an access template."""
    model = resource_type.model
    if model is None:
        return None
    category = resource_type.category_condition(scopes.categories(resource_type.name, SEARCH))
    conditions = (category, *search.conditions) if category is not None else search.conditions
    shapes: list[Hashable] = []
    values = policy.access_values(access)
    for position, condition in enumerate(conditions):
        found = condition_shape(model, condition)
        if found is None:
            return None
        shape, condition_values_found = found
        shapes.append(shape)
        values.update(condition_values(condition_values_found, f"c{position}_"))
    release = release_shape(access) if resource_type.released else (False, ())
    if resource_type.released:
        values.update(release_values(access))
    shape_key = (
        resource_type.name,
        access.role,
        release,
        tuple(shapes),
        search.descending,
        search.count + 1,
    )
    return _FIRST_PAGES.objects(shape_key, **values)


def _cursor_id(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(cursor_load(cursor).get("i", ""))
    except (ValueError, AttributeError) as error:
        raise bad_request("The page link is not valid; run the search again.") from error


def _report_results(
    access: PatientAccess, scopes: ParsedScopes, reports: list[Resource]
) -> list[Resource]:
    """The observations the reports list that the app may see (one query, bounded)."""
    if not (scopes.allows("Observation", SEARCH) and access.may(RESOURCE_SECTIONS["Observation"])):
        return []
    ids = [
        result["reference"].removeprefix("Observation/")
        for report in reports
        for result in report.get("result", [])
    ]
    if not ids:
        return []
    observations = TYPES["Observation"]
    queryset = _visible(access, scopes, observations, SEARCH).filter(pk__in=ids)
    return observations.export(records(queryset.order_by("pk")[:INCLUDE_LIMIT]), access)


def patient_everything(
    *, access: PatientAccess, scopes: ParsedScopes, patient_id: str, count: int, cursor: str
) -> SearchPage:
    """The patient and every resource of theirs the app may search, a page at a time, by type
    (the order of TYPES) and id; types the scopes or the access do not open are left out.

    One query per type at most, so a page costs a bounded number of queries.
    """
    scope_require(scopes, "Patient", READ)
    if patient_id != str(access.patient.pk):
        policy.access_denied_record(
            access.user,
            None,
            action=AuditAction.VIEW,
            object_type="Patient",
            object_id=patient_id[: policy.OBJECT_ID_LENGTH],
        )
        raise not_found(f"Patient/{patient_id}")
    names = list(TYPES)
    start, last_pk = names[0], None
    if cursor:
        position = cursor_load(cursor)
        if position.get("t") not in TYPES:
            raise bad_request("The page link is not valid; run the operation again.")
        start, last_pk = position["t"], position.get("i")
    page = SearchPage()
    remaining = count
    for name in names[names.index(start) :]:
        resource_type = TYPES[name]
        allowed = scopes.allows(name, SEARCH) or (name == "Patient" and scopes.allows(name, READ))
        if not allowed or not access.may(RESOURCE_SECTIONS[name]):
            continue
        queryset = _visible(access, scopes, resource_type, SEARCH).order_by("pk")
        if name == start and last_pk:
            queryset = queryset.filter(pk__gt=last_pk)
        rows = records(queryset[: remaining + 1])
        if len(rows) > remaining:
            rows = rows[:remaining]
            page.matches += resource_type.export(rows, access)
            # Empty when the page filled up exactly at the end of the type before: the next
            # page starts this type from its first row.
            page.next_cursor = cursor_dump(t=name, i=str(rows[-1].pk) if rows else "")
            break
        page.matches += resource_type.export(rows, access)
        remaining -= len(rows)
    policy.access_record(access, object_type=EVERYTHING_OBJECT_TYPE)
    return page
