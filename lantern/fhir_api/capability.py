"""The CapabilityStatement at `metadata`: exactly what the server serves, read from the same
tables the searches use (`resources.TYPES`), and where SMART apps get their tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from lantern.fhir_api.search import DateParam, StringParam

from .resources import TYPES

Resource = dict[str, Any]
SMART_OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
SMART_SERVICE = "http://terminology.hl7.org/CodeSystem/restful-security-service"
# django-oauth-toolkit's URL names (mounted under /oauth/ with the namespace oauth2_provider),
# with the path each has there, used when the names are not installed (yet).
OAUTH_ENDPOINTS = {
    "authorize": ("oauth2_provider:authorize", "/oauth/authorize/"),
    "token": ("oauth2_provider:token", "/oauth/token/"),
    "revoke": ("oauth2_provider:revoke-token", "/oauth/revoke_token/"),
    "introspect": ("oauth2_provider:introspect", "/oauth/introspect/"),
}
EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"


def oauth_url(name: str, fallback: str) -> str:
    """The public URL of an OAuth endpoint by its URL name, or where DOT mounts it by default
    when that name is not in the URL configuration."""
    try:
        path = reverse(name)
    except NoReverseMatch:
        path = fallback
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _search_type(name: str, param: object) -> str:
    if isinstance(param, DateParam):
        return "date"
    if isinstance(param, StringParam):
        return "string"
    return "token"


def _resource(name: str) -> Resource:
    resource_type = TYPES[name]
    params = [
        {"name": param_name, "type": _search_type(param_name, param)}
        for param_name, param in resource_type.params.items()
    ]
    if name != "Patient":
        params.append({"name": "patient", "type": "reference"})
    resource: Resource = {
        "type": name,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": params,
    }
    if resource_type.includes:
        resource["searchInclude"] = sorted(resource_type.includes)
    if name == "Patient":
        resource["operation"] = [{"name": "everything", "definition": EVERYTHING}]
    return resource


def capability_statement(*, base_url: str) -> Resource:
    """The server's CapabilityStatement (R4), with the SMART oauth-uris extension."""
    security_extension = [
        {"url": key, "valueUri": oauth_url(name, fallback)}
        for key, (name, fallback) in OAUTH_ENDPOINTS.items()
    ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-30",
        "publisher": "Lantern",
        "kind": "instance",
        "software": {"name": "Lantern"},
        "implementation": {
            "description": "Lantern patient portal: FHIR R4 patient access API",
            "url": base_url,
        },
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read and search of one patient's record by a SMART on FHIR app the patient "
                    "(or someone acting for them) connected. _count (1 to 100, default 20), "
                    "_sort=date or -date, and keyset paging through the next link."
                ),
                "security": {
                    "cors": False,
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": SMART_SERVICE,
                                    "code": "SMART-on-FHIR",
                                    "display": "SMART-on-FHIR",
                                }
                            ],
                            "text": "OAuth2 using SMART-on-FHIR profile (see "
                            "http://docs.smarthealthit.org)",
                        }
                    ],
                    "extension": [{"url": SMART_OAUTH_URIS, "extension": security_extension}],
                },
                "resource": [_resource(name) for name in TYPES],
            }
        ],
    }
