"""The patient's side of refills: asking (choose, confirm, send) and one request's history."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lantern.access import policy
from lantern.access.decorators import patient_view
from lantern.access.models import Section
from lantern.audit.models import AuditAction

from . import selectors, services
from .forms import RefillRequestForm

SENT = gettext_lazy(
    "Your request was sent to the clinic. Most requests are answered within "
    "%(days)s business days; we will let you know."
)


def _render(request: HttpRequest, template: str, status: int = 200, **context) -> HttpResponse:
    context.update(current_section="medications", patient=request.patient_access.patient)
    return render(request, template, context, status=status)


def _render_posted(request: HttpRequest, template: str, status: int = 200, **context):
    # A POST that writes nothing (the confirm step, a form drawn again) still showed the
    # patient's medicines: it is recorded as a view.
    policy.access_record(request.patient_access, action=AuditAction.VIEW)
    return _render(request, template, status, **context)


@patient_view(section=Section.MEDICATIONS, action=AuditAction.CREATE, object_type="RefillRequest")
def refill_request(request: HttpRequest) -> HttpResponse:
    """Choose medicines and a pharmacy, then confirm; sending twice makes the requests once."""
    access = request.patient_access
    rows = selectors.active_medication_rows(access=access)
    pharmacies = selectors.pharmacy_choices(access=access)
    if request.method != "POST":
        wanted = request.GET.getlist("medication")
        form = RefillRequestForm(rows=rows, pharmacies=pharmacies, initial={"medications": wanted})
        return _render(request, "refills/request.html", form=form)
    form = RefillRequestForm(request.POST, rows=rows, pharmacies=pharmacies)
    step = request.POST.get("step", "review")
    if step == "send" and _sent_already(access, request.POST.get("submission_id", "")):
        # The same form sent twice (a double click): the first send made the requests.
        return _sent(request, access)
    if not form.is_valid() or step == "change":
        status = 200 if step == "change" else 400
        return _render_posted(request, "refills/request.html", status=status, form=form)
    if step == "review":
        return _render_posted(request, "refills/confirm.html", form=form)
    try:
        services.refill_requests_create(
            access=access,
            medication_ids=[uuid.UUID(pk) for pk in form.cleaned_data["medications"]],
            pharmacy=form.chosen_pharmacy(),
            comment=form.cleaned_data["comment"],
            submission_id=form.cleaned_data["submission_id"],
            save_pharmacy=form.cleaned_data["save_pharmacy"],
            make_default=form.cleaned_data["make_default"],
        )
    except services.RefillRefused as refused:
        return _render_posted(
            request, "refills/request.html", status=400, form=form, problems=[refused.message]
        )
    return _sent(request, access)


def _sent_already(access, submission_id: str) -> bool:
    try:
        submission = uuid.UUID(submission_id)
    except ValueError:
        return False
    return bool(services.refill_requests_sent_before(access=access, submission_id=submission))


def _sent(request: HttpRequest, access) -> HttpResponse:
    messages.success(request, SENT % {"days": services.answer_days()})
    return redirect("record:medications", patient_id=access.patient.pk)


@patient_view(section=Section.MEDICATIONS, object_type="RefillRequest")
def refill_detail(request: HttpRequest, refill_id: uuid.UUID) -> HttpResponse:
    """One request with its history; POST cancels it while it waits."""
    access = request.patient_access
    posted = request.method == "POST"
    detail = selectors.refill_detail(access=access, refill_id=refill_id, record=not posted)
    if posted:
        try:
            services.refill_cancel(access=access, refill=detail.refill)
        except services.RefillRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Your request was cancelled."))
        return redirect("refills:detail", patient_id=access.patient.pk, refill_id=refill_id)
    return _render(request, "refills/detail.html", detail=detail, refill=detail.refill)
