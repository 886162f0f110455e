"""FHIR errors as OperationOutcome responses, and the JSON responses of the REST API.

Every error the API answers is an OperationOutcome with a status that says what went wrong:
400 a parameter it does not know or a value it cannot read, 401 no valid bearer token (with
`WWW-Authenticate: Bearer`), 403 a type the token's scopes do not cover, 404 a resource out of
the token's reach or that does not exist (the two look the same), 405 a method it does not
serve, 406 a format other than JSON. Diagnostics name the parameter, never patient data.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpResponse

FHIR_JSON = "application/fhir+json; charset=utf-8"
Resource = dict[str, Any]


class FhirError(Exception):
    """An error the API answers as an OperationOutcome with `status`."""

    def __init__(
        self,
        status: int,
        code: str,
        diagnostics: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics
        self.headers = headers or {}


def bad_request(diagnostics: str) -> FhirError:
    return FhirError(400, "invalid", diagnostics)


def not_supported(diagnostics: str) -> FhirError:
    return FhirError(400, "not-supported", diagnostics)


def unauthorized(diagnostics: str, *, invalid_token: bool) -> FhirError:
    challenge = 'Bearer realm="fhir"'
    if invalid_token:
        challenge += ', error="invalid_token"'
    return FhirError(401, "login", diagnostics, headers={"WWW-Authenticate": challenge})


def forbidden(resource_type: str) -> FhirError:
    return FhirError(
        403,
        "forbidden",
        f"The access token's scopes do not allow reading {resource_type} resources.",
    )


def not_found(what: str) -> FhirError:
    return FhirError(404, "not-found", f"{what} is not known here.")


def operation_outcome(code: str, diagnostics: str, severity: str = "error") -> Resource:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }


def fhir_response(resource: Resource, *, status: int = 200) -> HttpResponse:
    """A resource as `application/fhir+json` (compact: apps read it, people read the docs),
    UTF-8, written by orjson (several times faster than the standard library's encoder)."""
    body = orjson.dumps(resource)
    return HttpResponse(body, status=status, content_type=FHIR_JSON)


def error_response(error: FhirError) -> HttpResponse:
    response = fhir_response(operation_outcome(error.code, error.diagnostics), status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response
