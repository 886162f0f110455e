"""The staff console: queues, patient search, activation codes and enrollment requests."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lantern.access import policy
from lantern.access.decorators import (
    ACCESS_RULE_ATTRIBUTE,
    is_fully_signed_in,
    patient_view,
    staff_view,
)
from lantern.access.models import Section
from lantern.accounts import selectors as account_selectors
from lantern.accounts import services as account_services
from lantern.audit.models import ActorRole, AuditAction
from lantern.enrollment import selectors as enrollment_selectors
from lantern.enrollment import services as enrollment_services
from lantern.messaging import inbox
from lantern.refills.selectors import refill_queue_count
from lantern.support import selectors as support_selectors

from . import selectors
from .forms import ApproveRequestForm, IssueCodeForm, PatientSearchForm

REQUESTS_PER_PAGE = 25


def staff_patient_view(
    *,
    section: Section,
    action: AuditAction = AuditAction.VIEW,
    object_type: str = "record",
):
    """patient_view for console pages: only the patient's clinic staff, in a role that opens
    `section`; the patient themselves, or a proxy who also works at another clinic, get 404."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def as_staff(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.patient_access.role != ActorRole.STAFF:
                raise Http404
            return view(request, *args, **kwargs)

        inner = patient_view(section=section, action=action, object_type=object_type)(as_staff)

        @wraps(inner)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if is_fully_signed_in(request.user):
                staff = policy.staff_access(request.user)
                if not staff.roles:
                    raise Http404
                # As `staff_view` does: the console's frame reads them here.
                request.staff_access = staff
                request.staff_roles = staff.roles
                request.staff_sections = policy.sections_of_roles(staff.roles)
            return inner(request, *args, **kwargs)

        setattr(wrapper, ACCESS_RULE_ATTRIBUTE, "patient")
        return wrapper

    return decorate


@staff_view
def home(request: HttpRequest) -> HttpResponse:
    pending = enrollment_selectors.enrollment_requests_pending_count(user=request.user)
    sections = request.staff_sections
    sees_results = Section.RESULTS in sections
    sees_medications = Section.MEDICATIONS in sections
    context = {
        "messages_waiting": inbox.inbox_waiting_count(request.user, staff=request.staff_access),
        "pending_requests": pending,
        # The front desk does not see results, so has no queue of them either.
        "sees_results": sees_results,
        "results_on_hold": selectors.results_on_hold_count(user=request.user)
        if sees_results
        else 0,
        "sees_medications": sees_medications,
        "refills_waiting": refill_queue_count(request.user) if sees_medications else 0,
        "support_requests_open": support_selectors.support_requests_open_count(user=request.user),
    }
    return render(request, "staff/home.html", context)


# The search term lives in the session, never in the address: a patient's name in a URL ends up
# in the access logs of the server, the proxy and the browser's history.
PATIENT_SEARCH_SESSION_KEY = "lantern.staff.patient_search"


@staff_view
def patient_search(request: HttpRequest) -> HttpResponse:
    """Search by POST, then redirect to the plain address that shows the results (PRG)."""
    submitted = request.POST if request.method == "POST" else None
    if submitted is None and "q" in request.GET:
        # An old link or bookmark with ?q=: take the term and redirect to an address without it.
        submitted = request.GET
    if submitted is not None:
        form = PatientSearchForm(submitted)
        request.session[PATIENT_SEARCH_SESSION_KEY] = (
            form.cleaned_data["q"] if form.is_valid() else ""
        )
        return redirect("staff:patients")
    query = request.session.get(PATIENT_SEARCH_SESSION_KEY, "")
    form = PatientSearchForm(initial={"q": query})
    patients = selectors.patients_search(user=request.user, query=query)
    return render(
        request, "staff/patient_search.html", {"form": form, "query": query, "patients": patients}
    )


@staff_patient_view(section=Section.DEMOGRAPHICS)
def patient_detail(request: HttpRequest) -> HttpResponse:
    access = request.patient_access
    context = {
        "patient": access.patient,
        "has_account": enrollment_selectors.patient_has_account(access=access),
        "active_code": enrollment_selectors.activation_code_active(access=access),
        "account_pause": account_selectors.account_pause_for_patient(access=access),
        "issue_form": IssueCodeForm(),
    }
    return render(request, "staff/patient_detail.html", context)


@staff_patient_view(
    section=Section.DEMOGRAPHICS, action=AuditAction.CREATE, object_type="ActivationCode"
)
@require_POST
@never_cache
def activation_code_issue(request: HttpRequest) -> HttpResponse:
    access = request.patient_access
    form = IssueCodeForm(request.POST)
    if not form.is_valid():
        return redirect("staff:patient", patient_id=access.patient.pk)
    try:
        issued = enrollment_services.activation_code_issue(
            actor=request.user, access=access, issue_key=form.cleaned_data["issue_key"]
        )
    except enrollment_services.AlreadyIssued:
        messages.warning(
            request,
            "A code was already issued from that page, and it was shown once. "
            "If you did not write it down, issue a new code.",
        )
        return redirect("staff:patient", patient_id=access.patient.pk)
    return render(
        request, "staff/activation_code_issued.html", {"patient": access.patient, "issued": issued}
    )


@staff_patient_view(section=Section.DEMOGRAPHICS, action=AuditAction.UPDATE, object_type="Account")
@require_POST
def account_unpause(request: HttpRequest) -> HttpResponse:
    """Lift a pause after many failed sign-in attempts, once the caller is known to be the
    patient (the service audits it as ACCOUNT_UNFROZEN)."""
    access = request.patient_access
    if account_services.account_unpause_for_patient(actor=request.user, access=access):
        messages.success(request, "The account is no longer paused. The patient can sign in.")
    else:
        messages.info(request, "The account was not paused.")
    return redirect("staff:patient", patient_id=access.patient.pk)


@staff_patient_view(
    section=Section.DEMOGRAPHICS, action=AuditAction.UPDATE, object_type="ActivationCode"
)
@require_POST
def activation_code_revoke(request: HttpRequest) -> HttpResponse:
    access = request.patient_access
    if enrollment_services.activation_code_revoke(actor=request.user, access=access):
        messages.success(request, "The activation code was revoked. It can no longer be used.")
    else:
        messages.info(request, "There was no active code to revoke.")
    return redirect("staff:patient", patient_id=access.patient.pk)


@staff_view
def enrollment_requests(request: HttpRequest) -> HttpResponse:
    requests_for_review = enrollment_selectors.enrollment_requests_for_review(user=request.user)
    paginator = Paginator(requests_for_review, REQUESTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "staff/enrollment_requests.html", {"page": page})


@staff_view
def enrollment_request_review(request: HttpRequest, request_id) -> HttpResponse:
    enrollment_request = _request_or_404(request, request_id)
    candidates = enrollment_selectors.enrollment_request_candidates(
        user=request.user, enrollment_request=enrollment_request
    )
    context = {"enrollment_request": enrollment_request, "candidates": candidates}
    return render(request, "staff/enrollment_request_review.html", context)


@staff_view
@require_POST
def enrollment_request_approve(request: HttpRequest, request_id) -> HttpResponse:
    enrollment_request = _request_or_404(request, request_id)
    form = ApproveRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the patient record that matches the request.")
        return redirect("staff:enrollment_request", request_id=enrollment_request.pk)
    # The approval service audits what it does (the code issued, the request decided).
    access = policy.patient_access(
        request.user,
        form.cleaned_data["patient_id"],
        action=AuditAction.CREATE,
        object_type="ActivationCode",
        audit=False,
    )
    try:
        enrollment_services.enrollment_request_approve(
            actor=request.user, enrollment_request=enrollment_request, access=access
        )
    except enrollment_services.AlreadyDecided:
        messages.info(request, "This request was already approved or declined.")
    except enrollment_services.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Approved. We emailed the person a link to create an account.")
    return redirect("staff:enrollment_request", request_id=enrollment_request.pk)


@staff_view
@require_POST
def enrollment_request_decline(request: HttpRequest, request_id) -> HttpResponse:
    enrollment_request = _request_or_404(request, request_id)
    try:
        enrollment_services.enrollment_request_decline(
            actor=request.user, enrollment_request=enrollment_request
        )
    except enrollment_services.AlreadyDecided:
        messages.info(request, "This request was already approved or declined.")
    else:
        messages.success(request, "Declined. We emailed the person a polite note.")
    return redirect("staff:enrollment_request", request_id=enrollment_request.pk)


@staff_view(section=Section.RESULTS)
def results_on_hold(request: HttpRequest) -> HttpResponse:
    page = selectors.results_on_hold_page(user=request.user, page_number=request.GET.get("page"))
    return render(request, "staff/results_on_hold.html", {"page": page})


def _request_or_404(request: HttpRequest, request_id):
    """A request of the staff member's clinics; any other id is "not found", never forbidden."""
    enrollment_request = enrollment_selectors.enrollment_request_get(
        user=request.user, request_id=request_id
    )
    if enrollment_request is None:
        raise Http404
    return enrollment_request
