"""Refuse a request body larger than the portal ever needs, before it is read.

Django limits only the non-file fields of a form (DATA_UPLOAD_MAX_MEMORY_SIZE) and the number of
fields; uploaded files are streamed to disk whatever their size, and each attachment's own limit
is checked only after the whole body has arrived. A request announcing more bytes than
settings.REQUEST_BODY_MAX_BYTES (by default a full message's attachments plus a margin for the
rest of the form) is answered at once with a 413 page, so one client cannot fill the disk or hold
a worker reading gigabytes. The reverse proxy should set the same limit (docs/configuration.md).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _announced_length(request) > settings.REQUEST_BODY_MAX_BYTES:
            response = render(
                request,
                "413.html",
                {"limit_megabytes": settings.REQUEST_BODY_MAX_BYTES // (1024 * 1024)},
                status=413,
            )
            # The unread body is not drained: the connection closes instead of reading it.
            response["Connection"] = "close"
            return response
        return self.get_response(request)


def _announced_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
