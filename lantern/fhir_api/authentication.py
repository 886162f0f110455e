"""The access rule of the FHIR API's data routes: a valid bearer token (`bearer_view`).

The token is read by the SMART side (`lantern.fhir_api.bearer.caller_for_token`) into an
ApiCaller; the view turns it into a PatientAccess with `policy.api_access` and asks the
selectors. Errors leave as OperationOutcome responses: FhirError with its own status, a patient
or object out of reach as 404 (an object audited as denied, after the view's work).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

from lantern.access import policy
from lantern.access.decorators import ACCESS_RULE_ATTRIBUTE
from lantern.core.context import current_request_context, request_context

from .caller import ApiCaller
from .outcomes import FhirError, error_response, not_found, unauthorized

View = Callable[..., HttpResponse]
JSON_FORMATS = frozenset(
    {"json", "application/json", "application/fhir+json", "application/json+fhir"}
)
ACCEPTED_MEDIA = JSON_FORMATS | {"*/*", "application/*"}
# The channel audit events of the API are recorded with (the web pages record "web").
API_CHANNEL = "api"


def caller_for_request(request: HttpRequest) -> ApiCaller:
    """The caller the request's bearer token stands for; 401 without one or with a token that
    is unknown, expired, revoked or of a disabled app."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("A bearer access token is required.", invalid_token=False)
    caller = _caller_for_token(token)
    if caller is None:
        raise unauthorized(
            "The access token is not valid (unknown, expired or revoked).", invalid_token=True
        )
    return caller


def _caller_for_token(raw: str) -> ApiCaller | None:
    # The SMART side provides the token lookup; until it is installed no token is valid, so
    # every data route answers 401 rather than failing to start.
    try:
        from lantern.fhir_api.bearer import caller_for_token
    except ImportError:
        return None
    return caller_for_token(raw)


def negotiate(request: HttpRequest) -> None:
    """406 unless the client accepts JSON (`_format` first, then the Accept header)."""
    wanted = request.GET.get("_format")
    if wanted is not None:
        if wanted not in JSON_FORMATS:
            raise FhirError(
                406, "not-supported", "This server answers in JSON only (_format=json)."
            )
        return
    accept = request.headers.get("Accept", "")
    if not accept.strip():
        return
    media = {item.split(";")[0].strip().lower() for item in accept.split(",")}
    if not media & ACCEPTED_MEDIA:
        raise FhirError(406, "not-supported", "This server answers in application/fhir+json only.")


def fhir_errors(view: View) -> View:
    """Answer FHIR errors, 404s and unsupported methods as OperationOutcome responses."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if request.method not in ("GET", "HEAD"):
                response = error_response(
                    FhirError(405, "not-supported", "This server only reads: use GET.")
                )
                response["Allow"] = "GET, HEAD"
                return response
            negotiate(request)
            return view(request, *args, **kwargs)
        except FhirError as error:
            return error_response(error)
        except policy.PatientNotFound:
            return error_response(not_found("The token's patient"))

    return wrapper


def bearer_view(view: View) -> View:
    """A data route of the API: the request must carry a valid bearer token (401 otherwise);
    the view receives `request.api_caller`. Its audit events are recorded on the API channel."""

    @fhir_errors
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.api_caller = caller_for_request(request)
        context = dataclasses.replace(current_request_context(), channel=API_CHANNEL)
        token = request_context.set(context)
        try:
            return view(request, *args, **kwargs)
        except policy.ObjectNotFound as error:
            # Audited as denied here, after the view's work and on the API channel.
            policy.object_denied_record(error)
            raise not_found(f"{error.object_type}/{error.object_id}") from error
        finally:
            request_context.reset(token)

    setattr(wrapper, ACCESS_RULE_ATTRIBUTE, "bearer")
    return wrapper
