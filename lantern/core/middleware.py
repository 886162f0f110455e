"""Request context for the access layer and the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from lantern.core.client_address import client_ip
from lantern.core.context import RequestContext, request_context


class RequestContextMiddleware:
    """Record the source address and user agent of the request for audit events.

    The access layer reads them from a context variable, so services deep in the call stack can
    audit without a request object being passed to them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context = RequestContext(
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
        )
        token = request_context.set(context)
        try:
            return self.get_response(request)
        finally:
            request_context.reset(token)
