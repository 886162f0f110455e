"""Enrollment pages: sign-up with a code (two steps), sign-up request, terms of use."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from lantern.access.decorators import public, signed_in
from lantern.accounts.backends import ACCOUNT_BACKEND
from lantern.accounts.sign_in import sign_in_started
from lantern.core.client_address import client_ip
from lantern.core.redirects import safe_next_url

from . import selectors, services
from .forms import AccountForm, IdentityForm, SignUpRequestForm, TermsForm

# The session remembers, never the address bar: which code step 1 verified, and when.
VERIFIED_CODE_KEY = "lantern.enrollment.verified_code"
PREFILLED_CODE_KEY = "lantern.enrollment.prefilled_code"
# Step 2 must follow step 1 within this time.
VERIFIED_CODE_SECONDS = 30 * 60


@public
@never_cache
def start(request: HttpRequest) -> HttpResponse:
    """Step 1: activation code, date of birth and last name."""
    if "code" in request.GET:
        # The emailed link carries the code; keep it in the session and take it off the address,
        # so it stays out of the browser history and server logs after this one request.
        request.session[PREFILLED_CODE_KEY] = request.GET["code"][:40]
        return redirect("enrollment:start")
    form = IdentityForm(
        request.POST or None, initial={"code": request.session.get(PREFILLED_CODE_KEY)}
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            activation_code = services.identity_verify(
                code=form.cleaned_data["code"],
                birth_date=form.cleaned_data["birth_date"],
                family_name=form.cleaned_data["family_name"],
                address=client_ip(request),
            )
        except services.EnrollmentError as error:
            problems.append(error.message)
        else:
            request.session.pop(PREFILLED_CODE_KEY, None)
            request.session[VERIFIED_CODE_KEY] = {
                "code_id": str(activation_code.pk),
                "at": timezone.now().timestamp(),
            }
            return redirect("enrollment:account")
    return render(request, "enrollment/start.html", {"form": form, "problems": problems})


@public
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    """Step 2: username, email, password and terms; creates the account and signs it in."""
    activation_code = _verified_code(request)
    if activation_code is None:
        return redirect("enrollment:start")
    terms = selectors.terms_current()
    form = AccountForm(request.POST or None, patient=activation_code.patient)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid() and terms is not None:
        try:
            user = services.enrollment_account_create(
                code_id=str(activation_code.pk),
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                terms_version=terms,
            )
        except services.EnrollmentError as error:
            problems.append(error.message)
        else:
            request.session.pop(VERIFIED_CODE_KEY, None)
            login(request, user, backend=ACCOUNT_BACKEND)
            sign_in_started(request, user)
            return redirect("mfa:setup")
    context = {"form": form, "terms": terms, "problems": problems}
    return render(request, "enrollment/account.html", context)


def _verified_code(request: HttpRequest):
    verified = request.session.get(VERIFIED_CODE_KEY)
    if not verified:
        return None
    if timezone.now().timestamp() - float(verified["at"]) > VERIFIED_CODE_SECONDS:
        request.session.pop(VERIFIED_CODE_KEY, None)
        return None
    return selectors.activation_code_for_sign_up(code_id=verified["code_id"])


@public
def sign_up(request: HttpRequest) -> HttpResponse:
    """Ask a clinic for an account without a code. The answer is the same whatever the details.

    With no clinic to review requests, the page says so and nothing is recorded.
    """
    clinics = list(selectors.clinics_accepting_sign_ups())
    if not clinics:
        return render(request, "enrollment/sign_up_closed.html")
    form = SignUpRequestForm(request.POST or None, clinics=clinics)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.enrollment_request_submit(
                given_names=form.cleaned_data["given_names"],
                family_name=form.cleaned_data["family_name"],
                birth_date=form.cleaned_data["birth_date"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                organization=form.cleaned_data["organization"],
                submission_key=form.cleaned_data["submission_key"],
                address=client_ip(request),
            )
        except services.EnrollmentError as error:
            problems.append(error.message)
        else:
            return redirect("enrollment:sign_up_sent")
    return render(request, "enrollment/sign_up.html", {"form": form, "problems": problems})


@public
def sign_up_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "enrollment/sign_up_sent.html")


@signed_in
def terms(request: HttpRequest) -> HttpResponse:
    """Show the current terms of use and record acceptance, then continue to ?next."""
    next_url = safe_next_url(request, reverse("home:home"))
    current = selectors.terms_current()
    if not selectors.terms_are_for(user=request.user):
        # Clinic staff are not asked to accept the patients' terms: show what patients agree to,
        # worded for staff, with the way back to the console and nothing to accept.
        return render(request, "enrollment/terms.html", {"terms": current, "for_staff": True})
    form = TermsForm(request.POST or None, initial={"version": current.version if current else ""})
    # Accept only the version that was on screen; if a newer one came out, show it instead.
    if (
        request.method == "POST"
        and form.is_valid()
        and current is not None
        and form.cleaned_data["version"] == current.version
    ):
        services.terms_accept(user=request.user, version=current)
        return HttpResponseRedirect(next_url)
    return render(
        request, "enrollment/terms.html", {"terms": current, "form": form, "next": next_url}
    )


# The terms middleware lets this page through, or an account could never reach it.
terms.lantern_terms_page = True  # type: ignore[attr-defined]
