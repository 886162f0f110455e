"""The clinic's side of refills: the queue, one request, and approve / deny / assign."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lantern.access import policy
from lantern.access.decorators import staff_view
from lantern.access.models import Section
from lantern.audit.models import AuditAction

from . import selectors, services
from .forms import AssignForm, DenyForm, ProgressForm
from .models import RefillStatus

PER_PAGE = 25


@staff_view(section=Section.MEDICATIONS)
def queue(request: HttpRequest) -> HttpResponse:
    """Requests waiting at the user's clinics, oldest first."""
    page = Paginator(selectors.refill_queue_rows(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = selectors.queue_rows(page.object_list, now=timezone.now())
    context = {"current_section": "refills", "page": page, "rows": rows}
    return render(request, "refills/staff/queue.html", context)


def _page(
    request: HttpRequest,
    refill_id: uuid.UUID,
    *,
    deny_form: DenyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    refill, access = selectors.refill_for_staff(request.user, refill_id, action=AuditAction.VIEW)
    policy.access_record(access, object_type=selectors.AUDIT_OBJECT_TYPE, object_id=refill.pk)
    context = {
        "current_section": "refills",
        "refill": refill,
        "history": selectors.refill_history(refill),
        "colleagues": selectors.refill_colleagues(refill),
        "deny_form": deny_form or DenyForm(),
        "progress_form": ProgressForm(),
        "days_waiting": max((timezone.now() - refill.created_at).days, 0),
        "waiting": refill.status == RefillStatus.REQUESTED,
        "approved": refill.status == RefillStatus.APPROVED,
    }
    return render(request, "refills/staff/detail.html", context, status=status)


@staff_view(section=Section.MEDICATIONS)
def detail(request: HttpRequest, refill_id: uuid.UUID) -> HttpResponse:
    return _page(request, refill_id)


def _act(request: HttpRequest, refill_id: uuid.UUID, action, done: str) -> HttpResponse:
    refill, access = selectors.refill_for_staff(request.user, refill_id, action=AuditAction.UPDATE)
    try:
        action(access, refill)
    except services.RefillRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
    return redirect("refills:staff_detail", refill_id=refill_id)


@staff_view(section=Section.MEDICATIONS)
@require_POST
def approve(request: HttpRequest, refill_id: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        refill_id,
        lambda access, refill: services.refill_approve(access=access, refill=refill),
        "Approved. The patient has been told there is an answer.",
    )


@staff_view(section=Section.MEDICATIONS)
@require_POST
def deny(request: HttpRequest, refill_id: uuid.UUID) -> HttpResponse:
    form = DenyForm(request.POST)
    if not form.is_valid():
        return _page(request, refill_id, deny_form=form, status=400)
    reason = form.cleaned_data["reason"]
    return _act(
        request,
        refill_id,
        lambda access, refill: services.refill_deny(access=access, refill=refill, reason=reason),
        "Not approved. The patient will read your reason.",
    )


@staff_view(section=Section.MEDICATIONS)
@require_POST
def assign(request: HttpRequest, refill_id: uuid.UUID) -> HttpResponse:
    form = AssignForm(request.POST)
    assignee = form.cleaned_data["assignee"] if form.is_valid() else -1
    return _act(
        request,
        refill_id,
        lambda access, refill: services.refill_assign(
            access=access, refill=refill, assignee_id=assignee
        ),
        "Assigned." if assignee else "No longer assigned to anyone.",
    )


@staff_view(section=Section.MEDICATIONS)
@require_POST
def progress(request: HttpRequest, refill_id: uuid.UUID) -> HttpResponse:
    form = ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what happened.")
        return redirect("refills:staff_detail", refill_id=refill_id)
    chosen = form.cleaned_data["progress"]
    return _act(
        request,
        refill_id,
        lambda access, refill: services.refill_progress_set(
            access=access, refill=refill, progress=chosen
        ),
        "Saved. The patient sees it in the request's history.",
    )
