"""The console's HL7 v2 error queue: the list, one message, match it to a patient, replay it."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lantern.access import policy
from lantern.access.decorators import staff_view
from lantern.access.models import Section
from lantern.audit.models import ActorRole, AuditAction
from lantern.audit.services import audit_event_record
from lantern.staff.forms import PatientSearchForm
from lantern.staff.selectors import patients_search

from . import selectors, services
from .forms import MatchForm, ReplayForm
from .models import MessageStatus

PER_PAGE = 25
# The search term lives in the session, never in the address (a name in a URL ends up in logs).
SEARCH_SESSION_KEY = "lantern.hl7v2.match_search"
AUDIT_OBJECT_TYPE = "InboundMessage"


def _works_queue_or_404(request: HttpRequest) -> None:
    if not request.staff_roles & policy.INTERFACE_QUEUE_ROLES:
        raise Http404


@staff_view
def queue(request: HttpRequest) -> HttpResponse:
    """Messages in error or rejected at the user's clinics, newest first."""
    _works_queue_or_404(request)
    page = Paginator(selectors.interface_queue_rows(user=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        (message, selectors.type_words(message), selectors.sender_words(message))
        for message in page.object_list
    ]
    context = {"current_section": "interface", "page": page, "rows": rows}
    return render(request, "hl7v2/staff/queue.html", context)


@staff_view
def detail(request: HttpRequest, message_id: uuid.UUID) -> HttpResponse:
    _works_queue_or_404(request)
    message = selectors.queue_message_get(user=request.user, message_id=message_id)
    audit_event_record(
        actor=request.user,
        patient=message.patient,
        role=ActorRole.STAFF,
        action=AuditAction.VIEW,
        object_type=AUDIT_OBJECT_TYPE,
        object_id=str(message.pk),
    )
    searches = request.session.get(SEARCH_SESSION_KEY, {})
    query = searches.get(str(message.pk), "") if isinstance(searches, dict) else ""
    context = {
        "current_section": "interface",
        "message": message,
        "type_words": selectors.type_words(message),
        "sender_words": selectors.sender_words(message),
        "subject": selectors.message_subject(message),
        "query": query,
        "patients": patients_search(user=request.user, query=query) if query else [],
        "replay_form": ReplayForm(initial={"replay_count": message.replay_count}),
    }
    return render(request, "hl7v2/staff/detail.html", context)


@staff_view
@require_POST
def search(request: HttpRequest, message_id: uuid.UUID) -> HttpResponse:
    _works_queue_or_404(request)
    message = selectors.queue_message_get(user=request.user, message_id=message_id)
    form = PatientSearchForm(request.POST)
    searches = request.session.get(SEARCH_SESSION_KEY, {})
    searches = searches if isinstance(searches, dict) else {}
    searches[str(message.pk)] = form.cleaned_data["q"] if form.is_valid() else ""
    request.session[SEARCH_SESSION_KEY] = searches
    return redirect("hl7v2:detail", message_id=message.pk)


@staff_view
@require_POST
def match(request: HttpRequest, message_id: uuid.UUID) -> HttpResponse:
    _works_queue_or_404(request)
    message = selectors.queue_message_get(user=request.user, message_id=message_id)
    form = MatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the patient the message is about.")
        return redirect("hl7v2:detail", message_id=message.pk)
    # The patient must be one of the staff member's clinics' (as the search shows them).
    access = policy.patient_access(
        request.user,
        form.cleaned_data["patient_id"],
        action=AuditAction.UPDATE,
        object_type=AUDIT_OBJECT_TYPE,
        object_id=str(message.pk),
        audit=False,
        section=Section.DEMOGRAPHICS,
    )
    if access.role != ActorRole.STAFF:
        raise Http404
    try:
        services.message_match(access=access, message=message)
    except services.NotReplayable as refused:
        messages.error(request, refused.reason)
    else:
        # No name in the notice: notices travel in the session store.
        messages.success(request, "Matched. Replay the message to apply it to that record.")
    return redirect("hl7v2:detail", message_id=message.pk)


@staff_view
@require_POST
def replay(request: HttpRequest, message_id: uuid.UUID) -> HttpResponse:
    _works_queue_or_404(request)
    message = selectors.queue_message_get(user=request.user, message_id=message_id)
    form = ReplayForm(request.POST)
    if not form.is_valid():
        return redirect("hl7v2:detail", message_id=message.pk)
    try:
        row = services.message_replay(
            user=request.user, message=message, replay_count=form.cleaned_data["replay_count"]
        )
    except services.NotReplayable as refused:
        messages.info(request, refused.reason)
    else:
        if row.status == MessageStatus.PROCESSED:
            messages.success(request, "Replayed and applied to the record.")
        else:
            messages.error(request, f"Replayed, and still not applied: {row.reason}")
    return redirect("hl7v2:detail", message_id=message.pk)
