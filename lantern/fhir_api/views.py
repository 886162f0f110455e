"""The FHIR R4 REST API under /fhir/r4/: metadata, read, search and Patient/$everything.

Thin views: the bearer token gives the caller (`bearer_view`), `policy.api_access` the access,
a selector the resources; the view writes the Bundle and its links.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from lantern.access import policy
from lantern.access.decorators import public

from .authentication import bearer_view, fhir_errors
from .capability import capability_statement
from .outcomes import bad_request, fhir_response
from .search import read_count, search_request
from .selectors import (
    EVERYTHING_DEFAULT_COUNT,
    EVERYTHING_OBJECT_TYPE,
    SearchPage,
    patient_everything,
    resource_read,
    resource_type_get,
    resources_search,
    scope_require,
)

Resource = dict[str, Any]


def base_url(request: HttpRequest) -> str:
    """The FHIR base as apps know it (settings.FHIR_BASE_URL, the `aud` they ask tokens for),
    with a closing slash; links and full URLs start with it."""
    return settings.FHIR_BASE_URL.rstrip("/") + "/"


@public
@fhir_errors
def metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(capability_statement(base_url=base_url(request)))


@bearer_view
def resource_read_view(request: HttpRequest, type_name: str, resource_id: str) -> HttpResponse:
    caller = request.api_caller
    resource_type_get(type_name)
    scope_require(caller.scopes, type_name, "r")
    access = policy.api_access(caller, object_type=type_name, object_id=resource_id)
    resource = resource_read(
        access=access, scopes=caller.scopes, type_name=type_name, resource_id=resource_id
    )
    return fhir_response(resource)


@bearer_view
def resource_search_view(request: HttpRequest, type_name: str) -> HttpResponse:
    caller = request.api_caller
    resource_type = resource_type_get(type_name)
    scope_require(caller.scopes, type_name, "s")
    query = [(name, value) for name, values in request.GET.lists() for value in values]
    search = search_request(
        type_name,
        query,
        params=resource_type.params,
        sortable=resource_type.date_field is not None,
        includes=resource_type.includes,
    )
    access = policy.api_access(caller, object_type=type_name)
    page = resources_search(access=access, scopes=caller.scopes, type_name=type_name, search=search)
    path = base_url(request) + type_name
    return fhir_response(_searchset(request, page, path, search.parameters, search.cursor))


@bearer_view
def patient_everything_view(request: HttpRequest, resource_id: str) -> HttpResponse:
    caller = request.api_caller
    scope_require(caller.scopes, "Patient", "r")
    query = [(name, value) for name, values in request.GET.lists() for value in values]
    unknown = {name for name, _ in query} - {"_count", "_cursor", "_format"}
    if unknown:
        raise bad_request(f"$everything takes _count only; {sorted(unknown)[0]!r} is not known.")
    counts = [value for name, value in query if name == "_count"]
    count = read_count(counts) if counts else EVERYTHING_DEFAULT_COUNT
    cursor = request.GET.get("_cursor", "")
    access = policy.api_access(caller, object_type=EVERYTHING_OBJECT_TYPE, object_id=resource_id)
    page = patient_everything(
        access=access, scopes=caller.scopes, patient_id=resource_id, count=count, cursor=cursor
    )
    path = f"{base_url(request)}Patient/{resource_id}/$everything"
    parameters = tuple((name, value) for name, value in query if name != "_cursor")
    return fhir_response(_searchset(request, page, path, parameters, cursor))


def _searchset(
    request: HttpRequest,
    page: SearchPage,
    path: str,
    parameters: tuple[tuple[str, str], ...],
    cursor: str,
) -> Resource:
    base = base_url(request)

    def link(page_cursor: str) -> str:
        pairs = list(parameters) + ([("_cursor", page_cursor)] if page_cursor else [])
        return f"{path}?{urlencode(pairs)}" if pairs else path

    links = [{"relation": "self", "url": link(cursor)}]
    if page.next_cursor:
        links.append({"relation": "next", "url": link(page.next_cursor)})
    entries = [_entry(base, resource, "match") for resource in page.matches] + [
        _entry(base, resource, "include") for resource in page.included
    ]
    bundle: Resource = {"resourceType": "Bundle", "type": "searchset", "link": links}
    if entries:
        bundle["entry"] = entries
    return bundle


def _entry(base: str, resource: Resource, mode: str) -> Resource:
    return {
        "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }
