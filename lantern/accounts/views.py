"""Sign-in, sign-out, recovery, email confirmation, sessions and the account settings page."""

from __future__ import annotations

import math
import secrets
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from lantern.access.decorators import is_fully_signed_in, public, signed_in, signing_in
from lantern.access.policy import is_staff_member
from lantern.core.client_address import client_ip
from lantern.core.headers import clear_site_data
from lantern.core.language import language_for
from lantern.core.redirects import safe_next_url
from lantern.core.throttle import attempt_allowed
from lantern.notifications.forms import NotificationSettingsForm
from lantern.notifications.preferences import preferences_set
from lantern.results.body_units import units_for

from . import forms, selectors, services, session_state
from .models import User
from .reauth import mark_password_confirmed, recent_password_required
from .sign_in import sign_in_started

SIGNED_OUT_REASONS = {
    "signed_out": gettext_lazy("You signed out."),
    "idle": gettext_lazy(
        "You were signed out because you did nothing for a while. This keeps your "
        "health information safe if you step away."
    ),
    "limit": gettext_lazy(
        "You were signed out because you had been signed in for a long time. Please sign in again."
    ),
    "ended": gettext_lazy(
        "You were signed out because your account was signed out on all devices, "
        "or your password was changed."
    ),
}


def _account_page(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None
) -> HttpResponse:
    """Account pages wear the staff console's frame for staff and the patient frame otherwise."""
    staff_only = request.user.patient_id is None and is_staff_member(request.user)
    layout = "layouts/staff.html" if staff_only else "layouts/patient.html"
    return render(request, template, {"layout": layout, **(context or {})})


def _request_key(request: HttpRequest) -> str:
    """The form's random key (see services.username_reminder_request), or a fresh one."""
    return request.POST.get("request_key", "")[:64] or secrets.token_urlsafe(24)


# Signing in and out.


@public
@never_cache
@sensitive_post_parameters("password")
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = safe_next_url(request, "")
    if is_fully_signed_in(request.user):
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = forms.SignInForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        sign_in_started(request, form.user)
        query = f"?{urlencode({'next': next_url})}" if next_url else ""
        return redirect(f"{reverse('mfa:verify')}{query}")
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE): the same for any username."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    ends_at = selectors.sign_in_lock_ends_at(username=username, ip_address=client_ip(request))
    minutes = max(1, math.ceil((ends_at - timezone.now()).total_seconds() / 60))
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


@signing_in
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    session_id = request.session.get(session_state.USER_SESSION_ID)
    logout(request)
    if session_id:
        services.session_end(session_id=session_id)
    return clear_site_data(redirect(f"{reverse('accounts:signed_out')}?reason=signed_out"))


@signed_in
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    services.sessions_end_all(user=request.user)
    logout(request)
    return clear_site_data(redirect(f"{reverse('accounts:signed_out')}?reason=ended"))


@public
def signed_out(request: HttpRequest) -> HttpResponse:
    reason = request.GET.get("reason", "signed_out")
    message = SIGNED_OUT_REASONS.get(reason, SIGNED_OUT_REASONS["signed_out"])
    response = render(request, "accounts/signed_out.html", {"message": message, "reason": reason})
    # Every way out (sign out, time-out, signed out everywhere) ends here.
    return clear_site_data(response)


@signed_in
@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in": counts as activity (the middleware has already checked the time)."""
    session_state.mark_active(request, force=True)
    session_id = request.session.get(session_state.USER_SESSION_ID)
    if session_id:
        services.session_touch(session_id=session_id, force=True)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"seconds_left": session_state.seconds_until_idle(request)})
    return redirect(safe_next_url(request, resolve_url(settings.LOGIN_REDIRECT_URL)))


@signing_in
@never_cache
@sensitive_post_parameters("password")
def confirm_password(request: HttpRequest) -> HttpResponse:
    next_url = safe_next_url(request, reverse("accounts:settings"))
    form = forms.ConfirmPasswordForm(
        request, data=request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        mark_password_confirmed(request)
        return redirect(next_url)
    return render(request, "accounts/confirm_password.html", {"form": form, "next": next_url})


# Recovery.


@public
@never_cache
def forgot_username(request: HttpRequest) -> HttpResponse:
    form = forms.ForgotUsernameForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and _recovery_allowed(request, form):
        services.username_reminder_request(
            email=form.cleaned_data["email"], request_key=_request_key(request)
        )
        return render(request, "accounts/forgot_username_sent.html")
    context = {"form": form, "request_key": secrets.token_urlsafe(24)}
    return render(request, "accounts/forgot_username.html", context)


@public
@never_cache
def forgot_password(request: HttpRequest) -> HttpResponse:
    form = forms.ForgotPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and _recovery_allowed(request, form):
        services.password_reset_request(
            email_or_username=form.cleaned_data["email_or_username"],
            request_key=_request_key(request),
        )
        return render(request, "accounts/forgot_password_sent.html")
    context = {"form": form, "request_key": secrets.token_urlsafe(24)}
    return render(request, "accounts/forgot_password.html", context)


def _recovery_allowed(request: HttpRequest, form) -> bool:
    """Limit recovery emails per source address; the message says nothing about accounts."""
    if attempt_allowed(
        scope="account-recovery",
        address=client_ip(request),
        limit=settings.RECOVERY_REQUESTS_PER_HOUR,
        window_seconds=3600,
    ):
        return True
    form.add_error(
        None, _("You have asked many times in a short while. Wait an hour, then try again.")
    )
    return False


def _user_for_reset(uidb64: str, token: str) -> User | None:
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None
    return user if default_token_generator.check_token(user, token) else None


# One-time tokens from emailed links leave the address bar on first use, as Django's own
# PasswordResetConfirmView does: the token moves into the session and the browser is redirected
# to an address holding this word instead, so it is not kept in access logs after the first
# request, in the browser's history or in a Referer header.
RESET_LINK_SESSION_KEY = "lantern.accounts.reset_token"
RESET_LINK_STAND_IN = "set-password"
VERIFY_LINK_SESSION_KEY = "lantern.accounts.verify_email_token"
VERIFY_LINK_STAND_IN = "confirm"


@public
@never_cache
@sensitive_post_parameters("new_password")
def reset_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    from_session = token == RESET_LINK_STAND_IN
    if from_session:
        token = request.session.get(RESET_LINK_SESSION_KEY, "")
    user = _user_for_reset(uidb64, token)
    if user is None:
        return render(request, "accounts/reset_password_invalid.html", status=400)
    if request.method == "GET" and not from_session:
        request.session[RESET_LINK_SESSION_KEY] = token
        return redirect("accounts:reset_password", uidb64=uidb64, token=RESET_LINK_STAND_IN)
    form = forms.NewPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_complete(user=user, new_password=form.cleaned_data["new_password"])
        request.session.pop(RESET_LINK_SESSION_KEY, None)
        if request.user.is_authenticated:
            logout(request)
        return render(request, "accounts/reset_password_done.html")
    return render(request, "accounts/reset_password.html", {"form": form})


# Email confirmation.


@public
@never_cache
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST uses the link. Mail scanners that open links only GET.

    The first GET moves the token into the session and redirects to an address without it.
    """
    from_session = token == VERIFY_LINK_STAND_IN
    if request.method != "POST":
        if not from_session:
            request.session[VERIFY_LINK_SESSION_KEY] = token
            return redirect("accounts:verify_email", token=VERIFY_LINK_STAND_IN)
        return render(request, "accounts/verify_email.html")
    if from_session:
        token = request.session.pop(VERIFY_LINK_SESSION_KEY, "")
    user = services.email_verification_confirm(token=token) if token else None
    status = 200 if user is not None else 400
    return render(request, "accounts/verify_email_done.html", {"confirmed": user}, status=status)


@signed_in
@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    # Limited per account, so the button cannot be used to flood an inbox.
    if not attempt_allowed(
        scope="email-confirmation",
        address=f"account-{request.user.pk}",
        limit=settings.EMAIL_CONFIRMATIONS_PER_HOUR,
        window_seconds=3600,
    ):
        messages.warning(
            request,
            _(
                "We have sent several links in the last hour. Check your email, including the "
                "spam folder, or wait an hour and ask again."
            ),
        )
        return redirect("accounts:settings")
    services.email_verification_start(user=request.user)
    messages.success(request, _("We sent a new link to %(email)s.") % {"email": request.user.email})
    return redirect("accounts:settings")


# The settings page and its changes.


@signed_in
def account_settings(request: HttpRequest) -> HttpResponse:
    context = {
        "current_section": "settings",
        "sessions": selectors.active_sessions(user=request.user),
        "this_session_id": request.session.get(session_state.USER_SESSION_ID),
        "sign_ins": selectors.recent_sign_ins(user=request.user),
        "units_form": forms.BodyUnitsForm(initial={"body_units": units_for(request.user)}),
        "language_form": forms.LanguageForm(initial={"language": language_for(request.user)}),
    }
    return _account_page(request, "accounts/settings.html", context)


@signed_in
@require_POST
def body_units(request: HttpRequest) -> HttpResponse:
    """Save the account's units for weight and height, from the form on the settings page."""
    form = forms.BodyUnitsForm(request.POST)
    if form.is_valid():
        services.body_units_set(user=request.user, body_units=form.cleaned_data["body_units"])
        messages.success(request, _("Your units for weight and height were saved."))
    else:
        messages.error(request, _("Choose one of the units for weight and height, then save."))
    return redirect(f"{reverse('accounts:settings')}#units-heading")


@signed_in
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Save the account's language, from the form on the settings page. The next page, and the
    confirmation on it, are already in the chosen language."""
    form = forms.LanguageForm(request.POST)
    response = redirect(f"{reverse('accounts:settings')}#language-heading")
    if not form.is_valid():
        messages.error(request, _("Choose a language, then save."))
        return response
    chosen = form.cleaned_data["language"]
    services.preferred_language_set(user=request.user, language=chosen)
    with translation.override(chosen):
        messages.success(request, _("Your language was saved."))
    # The browser keeps it too (as the header's chooser does), so the pages after signing out
    # stay in it.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        chosen,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@signed_in
@recent_password_required
@sensitive_post_parameters("new_password")
def change_password(request: HttpRequest) -> HttpResponse:
    form = forms.NewPasswordForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            user=request.user,
            new_password=form.cleaned_data["new_password"],
            keep_session_id=request.session.get(session_state.USER_SESSION_ID),
        )
        update_session_auth_hash(request, request.user)
        session_state.keep_valid(request)
        messages.success(
            request, _("Your password was changed. You are signed out everywhere else.")
        )
        return redirect("accounts:settings")
    return _account_page(request, "accounts/change_password.html", {"form": form})


@signed_in
@recent_password_required
def change_email(request: HttpRequest) -> HttpResponse:
    form = forms.ChangeEmailForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.email_change(user=request.user, email=form.cleaned_data["email"])
        messages.success(
            request,
            _("Check %(email)s for a link to confirm your new address.")
            % {"email": request.user.email},
        )
        return redirect("accounts:settings")
    return _account_page(request, "accounts/change_email.html", {"form": form})


@signed_in
@recent_password_required
def change_phone(request: HttpRequest) -> HttpResponse:
    initial = {"phone": request.user.phone}
    form = forms.ChangePhoneForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        services.phone_change(user=request.user, phone=form.cleaned_data["phone"])
        messages.success(request, _("Your phone number was saved."))
        return redirect("accounts:settings")
    return _account_page(request, "accounts/change_phone.html", {"form": form})


@signed_in
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Per account, so there is no id in the address: each account sets only its own."""
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        preferences_set(request.user, form.choices())
        messages.success(request, _("Your notification settings were saved."))
        return redirect("accounts:notification_settings")
    context = {"form": form, "current_section": "notifications"}
    return _account_page(request, "accounts/notification_settings.html", context)


@public
def security_tips(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/security_tips.html")
