"""Family and caregivers: the patient's page, and the invitation link an invitee follows.

The invitation's token is in one address only, the link in the email: its page moves the
invitation's id into the session and redirects to an address without the token, so it stays out
of the browser history, the Referer header and the server's logs after that one request. An
unknown token answers like a spent one (200, not 404: Django logs the address of a 404).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lantern.access import policy
from lantern.access.decorators import is_fully_signed_in, public, signed_in
from lantern.access.policy import PatientAccess
from lantern.accounts.backends import ACCOUNT_BACKEND
from lantern.accounts.sign_in import sign_in_started
from lantern.audit.models import AuditAction
from lantern.enrollment import selectors as enrollment_selectors

from . import selectors, services
from .forms import EndAccessForm, InviteeAccountForm, InviteForm, RelationshipChoiceForm

# Only the invitation's id is kept across sign-in or account creation, never its token.
INVITATION_SESSION_KEY = "lantern.family.invitation"
OBJECT_TYPE = services.OBJECT_TYPE


def _own_access(request: HttpRequest) -> PatientAccess:
    """The account's own patient record; an account that has none has no family page."""
    if request.user.patient_id is None:
        raise Http404
    return policy.patient_access(
        request.user, request.user.patient_id, object_type=OBJECT_TYPE, audit=False
    )


@signed_in
def family(request: HttpRequest) -> HttpResponse:
    """Who helps with my care: invitations, proxies, and the form to invite someone."""
    access = _own_access(request)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.caregiver_invite(access=access, **form.cleaned_data)
        except services.FamilyError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request,
                _("We sent an invitation to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("family:overview")
    # The page itself, shown (or shown again with what to fix), is one view of the record.
    policy.access_record(access, action=AuditAction.VIEW)
    return _family_page(request, access, form)


def _family_page(request: HttpRequest, access: PatientAccess, form: InviteForm) -> HttpResponse:
    context = {
        "current_section": "settings",
        "overview": selectors.family_for_patient(access=access),
        "may_invite": selectors.patient_may_invite(
            patient=access.patient, today=timezone.localdate()
        ),
        "adult_age": settings.PROXY_ADULT_AGE,
        "form": form,
    }
    return render(request, "family/family.html", context)


@signed_in
@require_POST
def invitation_cancel(request: HttpRequest) -> HttpResponse:
    access = _own_access(request)
    form = RelationshipChoiceForm(request.POST)
    if form.is_valid() and services.invitation_cancel(
        access=access, relationship_id=form.cleaned_data["relationship"]
    ):
        messages.success(request, _("The invitation was cancelled. Its link no longer works."))
    return redirect("family:overview")


@signed_in
@require_POST
def access_end(request: HttpRequest) -> HttpResponse:
    """ "End access": the first send shows what will end and asks to confirm."""
    access = _own_access(request)
    form = EndAccessForm(request.POST)
    if not form.is_valid():
        return redirect("family:overview")
    relationship_id = form.cleaned_data["relationship"]
    row = next(
        (
            row
            for row in selectors.family_for_patient(access=access).active
            if row.pk == relationship_id
        ),
        None,
    )
    if row is None:
        return redirect("family:overview")
    if not form.cleaned_data["confirmed"]:
        return render(request, "family/end_confirm.html", {"row": row, "form": form})
    try:
        ended = services.relationship_end(
            access=access, relationship_id=relationship_id, reason=form.cleaned_data["reason"]
        )
    except services.FamilyError as error:
        messages.error(request, error.message)
    else:
        if ended:
            messages.success(
                request, _("%(name)s can no longer see your record.") % {"name": row.who}
            )
    return redirect("family:overview")


# The invitation.


@public
@never_cache
def invitation_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: remember which invitation it is, then continue without the token."""
    invitation_id = selectors.invitation_id_for_token(
        token_hash=services.invitation_token_hash(token)
    )
    if invitation_id is None:
        request.session.pop(INVITATION_SESSION_KEY, None)
    else:
        request.session[INVITATION_SESSION_KEY] = invitation_id
    return redirect("family:invitation")


def _invitation_in_session(request: HttpRequest):
    return selectors.invitation_summary(invitation_id=request.session.get(INVITATION_SESSION_KEY))


@public
@never_cache
def invitation(request: HttpRequest) -> HttpResponse:
    """Who invited me and what I would see; sign in or create an account first."""
    summary = _invitation_in_session(request)
    if summary is None or not summary.usable:
        return _unusable(request)
    here = reverse("family:invitation")
    context = {
        "layout": _layout(request),
        "summary": summary,
        "signed_in": is_fully_signed_in(request.user),
        "sign_in_url": f"{reverse('accounts:sign_in')}?{urlencode({'next': here})}",
        "own_invitation": request.user.is_authenticated
        and request.user.patient_id == summary.invitation.relationship.patient_id,
    }
    return render(request, "family/invitation.html", context)


def _unusable(request: HttpRequest, message: str = services.INVITATION_UNUSABLE) -> HttpResponse:
    request.session.pop(INVITATION_SESSION_KEY, None)
    context = {"layout": _layout(request), "message": message}
    return render(request, "family/invitation_unusable.html", context)


def _layout(request: HttpRequest) -> str:
    signed_in = is_fully_signed_in(request.user)
    return "layouts/patient.html" if signed_in else "layouts/public.html"


@public
@never_cache
def invitation_account(request: HttpRequest) -> HttpResponse:
    """Create an account to accept with: the same rules as every account, then a second step."""
    summary = _invitation_in_session(request)
    if summary is None or not summary.usable:
        return _unusable(request)
    if request.user.is_authenticated:
        return redirect("family:invitation")
    terms = enrollment_selectors.terms_current()
    form = InviteeAccountForm(request.POST or None)
    problems: list[str] = []
    if request.method == "POST" and terms is None:
        # Never silent: without published terms of use no account can be made (a set-up fault).
        problems.append(
            "Accounts cannot be created until the clinic publishes its terms of use. "
            "Please try again later, or contact the clinic."
        )
    if request.method == "POST" and form.is_valid() and terms is not None:
        try:
            user = services.invitee_account_create(
                invitation_id=summary.invitation.pk,
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                terms_version=terms,
            )
        except services.FamilyError as error:
            problems.append(error.message)
        else:
            login(request, user, backend=ACCOUNT_BACKEND)
            sign_in_started(request, user)
            query = urlencode({"next": reverse("family:invitation")})
            return redirect(f"{reverse('mfa:setup')}?{query}")
    context = {"form": form, "terms": terms, "problems": problems, "summary": summary}
    return render(request, "family/invitation_account.html", context)


@signed_in
def invitation_respond(request: HttpRequest) -> HttpResponse:
    """Accept or decline the invitation in the session; either can happen once.

    A GET (the way back from the terms of use, which may interrupt the answer) shows the
    invitation again.
    """
    if request.method != "POST":
        return redirect("family:invitation")
    invitation_id = request.session.get(INVITATION_SESSION_KEY)
    if invitation_id is None:
        return _unusable(request)
    answer = services.invitation_accept
    if request.POST.get("answer") == "decline":
        answer = services.invitation_decline
    try:
        relationship = answer(user=request.user, invitation_id=invitation_id)
    except services.FamilyError as error:
        return _unusable(request, error.message)
    request.session.pop(INVITATION_SESSION_KEY, None)
    if answer is services.invitation_decline:
        return render(request, "family/invitation_declined.html")
    context = {
        "patient": relationship.patient,
        "permissions": selectors.permission_words(relationship.permissions),
    }
    return render(request, "family/invitation_accepted.html", context)
