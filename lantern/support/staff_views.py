"""Support requests in the staff console: the list, one request, and closing it."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from lantern.access.decorators import staff_view

from . import selectors, services

REQUESTS_PER_PAGE = 25


@staff_view
@require_GET
def support_requests(request: HttpRequest) -> HttpResponse:
    showing_closed = request.GET.get("show") == "closed"
    requests = selectors.support_requests_rows(user=request.user, closed=showing_closed)
    page = Paginator(requests, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "showing_closed": showing_closed, "current_section": "support"}
    return render(request, "support/staff_list.html", context)


@staff_view
@require_GET
def support_request(request: HttpRequest, request_id) -> HttpResponse:
    support_request = _request_or_404(request, request_id)
    context = {"support_request": support_request, "current_section": "support"}
    return render(request, "support/staff_detail.html", context)


@staff_view
@require_POST
def support_request_close(request: HttpRequest, request_id) -> HttpResponse:
    support_request = _request_or_404(request, request_id)
    if services.support_request_close(actor=request.user, support_request=support_request):
        messages.success(request, "Closed. It is now under closed requests.")
    else:
        messages.info(request, "This request was already closed.")
    return redirect("staff:support_request", request_id=support_request.pk)


def _request_or_404(request: HttpRequest, request_id):
    """A request of the staff member's clinics; any other id is "not found", never forbidden."""
    support_request = selectors.support_request_get(user=request.user, request_id=request_id)
    if support_request is None:
        raise Http404
    return support_request
