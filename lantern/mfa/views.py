"""The second-factor pages: set up a method, verify at sign-in, and manage methods."""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from lantern.access.decorators import signed_in, signing_in
from lantern.access.policy import is_staff_member
from lantern.accounts import services as account_services
from lantern.accounts.reauth import password_recently_confirmed, recent_password_required
from lantern.core.redirects import safe_next_url

from . import selectors, services
from .forms import (
    BackupCodeForm,
    CodeForm,
    MethodKeyForm,
    SetupPhoneForm,
    TrustedDeviceForm,
    VerifyForm,
)
from .selectors import MethodKind

# Set when the first passkey is added (a JSON request that cannot show codes): the backup codes
# page then draws the codes and shows them once. The codes themselves are never in the session.
BACKUP_CODES_DUE_SESSION_KEY = "lantern.mfa.backup_codes_due"
# The words in URLs for each method ("?method=app"); never a database id.
SETUP_TEMPLATES = {
    MethodKind.APP: "mfa/setup_app.html",
    MethodKind.EMAIL: "mfa/setup_code.html",
    MethodKind.SMS: "mfa/setup_code.html",
}


# Helpers shared by the views.

PAUSED_MESSAGE = gettext_lazy(
    "Your account is paused after many failed attempts. "
    "Reset your password by email, or call your clinic."
)


def next_url(request: HttpRequest) -> str:
    """Where to go after the second factor: a safe `next` on this site, else the home page."""
    return safe_next_url(request, resolve_url(settings.LOGIN_REDIRECT_URL))


def _with_next(url_name: str, request: HttpRequest, **query: str) -> str:
    return f"{reverse(url_name)}?{urlencode({**query, 'next': next_url(request)})}"


def _layout(request: HttpRequest) -> str:
    """Signed-out look while signing in; the account's own layout once fully signed in."""
    if not request.user.is_verified():
        return "layouts/public.html"
    return "layouts/staff.html" if is_staff_member(request.user) else "layouts/patient.html"


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context = {"layout": _layout(request), "next": next_url(request), **context}
    return render(request, template, context)


def setup_gate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """First setup is open right after the password; adding a method later needs the second
    factor and the password again, so a stolen password cannot add the thief's own factor."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if selectors.has_sign_in_method(user=request.user):
            if not request.user.is_verified():
                return redirect(_with_next("mfa:verify", request))
            if not password_recently_confirmed(request):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('accounts:confirm_password')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper


def _after_new_method(request: HttpRequest, new_codes: services.NewBackupCodes) -> HttpResponse:
    if new_codes.codes:
        return _backup_codes_page(request, new_codes.codes)
    messages.success(request, _("Your new way to sign in is ready."))
    return redirect("mfa:manage")


def _wait_message(check: services.CodeCheck) -> str:
    if check.outcome is services.CodeOutcome.PAUSED:
        return PAUSED_MESSAGE
    if check.outcome is services.CodeOutcome.REUSED:
        return _(
            "That code did not work: it was used already. Wait for your app to show a new "
            "code, then enter it."
        )
    if check.retry_at is not None:
        local = timezone.localtime(check.retry_at)
        # The time of day as the language writes it: "2:05 PM" in English, "14:05" in Spanish.
        time_format = pgettext("time of day, as in Django's date format", "g:i A")
        return _(
            "You entered too many wrong codes. For your safety, please wait and try again after "
            "%(time)s."
        ) % {"time": dateformat.format(local, time_format)}
    return _("That code did not work. Check it and try again.")


# Setup.


@signing_in
@setup_gate
def setup(request: HttpRequest) -> HttpResponse:
    choices = selectors.setup_choices(user=request.user)
    return _page(request, "mfa/setup.html", {"choices": choices, "first_setup": _first(request)})


def _first(request: HttpRequest) -> bool:
    return not selectors.has_sign_in_method(user=request.user)


def _totp_context(device: Any) -> dict[str, Any]:
    secret = base64.b32encode(device.bin_key).decode()
    return {
        # The same URI as the QR code, as a link: on a phone, tapping it opens the app.
        "otpauth_url": device.config_url,
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(
            scale=5, dark="#1b1b1b", light="#ffffff", title="QR code for your authenticator app"
        ),
        "secret_groups": [secret[index : index + 4] for index in range(0, len(secret), 4)],
    }


@signing_in
@setup_gate
def setup_method(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in SETUP_TEMPLATES or kind not in selectors.setup_choices(user=request.user):
        raise Http404
    device = services.pending_device_for(user=request.user, kind=MethodKind(kind))
    if device is None:
        return _setup_phone(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check, new_codes = services.method_confirm(
            user=request.user, device=device, code=form.cleaned_data["code"]
        )
        if check.accepted:
            if not request.user.is_verified():
                services.session_verify(request=request, device=check.device)
            return _after_new_method(request, new_codes)
        form.add_error("code", _wait_message(check))
    context = {"form": form, "kind": MethodKind(kind), "device": device}
    if kind == MethodKind.APP:
        context.update(_totp_context(device))
    elif kind == MethodKind.EMAIL:
        context["destination"] = _("your email address %(address)s") % {
            "address": selectors.mask_email(device.email)
        }
    else:
        context["destination"] = _("your phone number ending %(digits)s") % {
            "digits": selectors.phone_last_digits(device.phone)
        }
    return _page(request, SETUP_TEMPLATES[kind], context)


def _setup_phone(request: HttpRequest) -> HttpResponse:
    """Text messages without a number on the account: ask for one, then send codes to it."""
    form = SetupPhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account_services.phone_change(user=request.user, phone=form.cleaned_data["phone"])
        return redirect(
            f"{reverse('mfa:setup_method', args=[MethodKind.SMS])}?{_next_query(request)}"
        )
    return _page(request, "mfa/setup_phone.html", {"form": form})


@signing_in
@setup_gate
@require_POST
def setup_send(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in (MethodKind.EMAIL, MethodKind.SMS):
        raise Http404
    device = services.pending_device_for(user=request.user, kind=MethodKind(kind))
    if device is None:
        raise Http404
    _announce_send(request, services.code_send(user=request.user, device=device))
    return redirect(f"{reverse('mfa:setup_method', args=[kind])}?{_next_query(request)}")


def _next_query(request: HttpRequest) -> str:
    return urlencode({"next": next_url(request)})


def _announce_send(request: HttpRequest, result: services.CodeSend) -> None:
    if result.sent:
        messages.success(request, _("We sent you a code. It works for 10 minutes."))
    else:
        messages.warning(
            request,
            _("We sent a code a moment ago. Please wait a little, then ask for a new one."),
        )


@signing_in
@setup_gate
def setup_passkey(request: HttpRequest) -> HttpResponse:
    first = _first(request)
    prefix = "mfa:passkey_setup_registration" if first else "mfa:passkey_registration"
    done = _with_next("mfa:backup_codes", request) if first else reverse("mfa:manage")
    return _page(
        request,
        "mfa/setup_passkey.html",
        {"passkey_config": _passkey_config(request, prefix), "done_url": done},
    )


def _passkey_config(request: HttpRequest, registration_prefix: str) -> dict[str, Any]:
    from django.middleware.csrf import get_token

    return {
        "autocompleteLoginFieldSelector": None,
        "nextFieldSelector": "input[name='next']",
        "csrfToken": get_token(request),
        "beginAuthenticationUrl": reverse("mfa:passkey_authentication_begin"),
        "completeAuthenticationUrl": reverse("mfa:passkey_authentication_complete"),
        "beginRegistrationUrl": reverse(f"{registration_prefix}_begin"),
        "completeRegistrationUrl": reverse(f"{registration_prefix}_complete"),
    }


def _backup_codes_page(
    request: HttpRequest, codes: list[str], then: str | None = None
) -> HttpResponse:
    """New backup codes, shown once in the answer to the request that made them.

    They live only in this response: never in the session or any cache, so nothing stored on
    the server or the browser holds them in plain text afterwards.
    """
    context: dict[str, Any] = {"codes": codes}
    if then is not None:
        context["next"] = then
    response = _page(request, "mfa/backup_codes.html", context)
    add_never_cache_headers(response)
    return response


@signed_in
def backup_codes(request: HttpRequest) -> HttpResponse:
    """After the first passkey, draws and shows its backup codes once; "I have saved these
    codes" posts here and goes on."""
    if request.method == "POST":
        return redirect(next_url(request))
    if request.session.pop(BACKUP_CODES_DUE_SESSION_KEY, False):
        return _backup_codes_page(request, services.backup_codes_redraw(user=request.user).codes)
    return redirect(next_url(request))


# Verify at sign-in.


@signing_in
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_verified():
        return redirect(next_url(request))
    methods = selectors.sign_in_methods(user=user)
    if not methods:
        return redirect(_with_next("mfa:setup", request))
    if request.method == "GET":
        token = request.get_signed_cookie(
            services.TRUST_COOKIE_NAME, default=None, salt=services.TRUST_COOKIE_SALT
        )
        trusted = services.trusted_device_for(user=user, token=token)
        if trusted is not None:
            services.session_verify(request=request, device=trusted)
            return redirect(next_url(request))
    chosen = _chosen_method(request, methods)
    form_class = BackupCodeForm if chosen is None else VerifyForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _verify_code(request, chosen, form)
        if response is not None:
            return response
    context = {
        "form": form,
        "methods": methods,
        "chosen": chosen,
        "other_methods": [method for method in methods if method != chosen],
        "has_passkey": any(method.kind == MethodKind.PASSKEY for method in methods),
        "backup_codes_left": selectors.backup_codes_left(user=user),
        "passkey_config": _passkey_config(request, "mfa:passkey_registration"),
    }
    return _page(request, "mfa/verify.html", context)


def _chosen_method(request: HttpRequest, methods: list) -> selectors.SignInMethod | None:
    """The method named by `?method=` (a kind such as "app"), else the one used last.

    None means backup codes.
    """
    wanted = request.GET.get("method", "")
    if wanted == "backup":
        return None
    for method in methods:
        if method.kind == wanted:
            return method
    return selectors.default_method(methods)


def _verify_code(
    request: HttpRequest, chosen: selectors.SignInMethod | None, form: VerifyForm
) -> HttpResponse | None:
    device = chosen.device if chosen is not None else selectors.backup_device(user=request.user)
    if device is None:
        form.add_error("code", _("You have no backup codes. Choose another way to sign in."))
        return None
    check = services.code_check(user=request.user, device=device, code=form.cleaned_data["code"])
    if not check.accepted:
        form.add_error("code", _wait_message(check))
        return None
    services.session_verify(request=request, device=check.device)
    response = redirect(next_url(request))
    if form.cleaned_data["trust"]:
        token = services.trusted_device_create(
            user=request.user, user_agent=request.headers.get("user-agent", "")
        )
        response.set_signed_cookie(
            services.TRUST_COOKIE_NAME, token, **services.trust_cookie_settings()
        )
    return response


@signing_in
@require_POST
def verify_send(request: HttpRequest) -> HttpResponse:
    form = MethodKeyForm(request.POST)
    kind = form.data.get("method", "")
    method = next(
        (
            method
            for method in selectors.sign_in_methods(user=request.user)
            if method.kind == kind and method.sends_codes
        ),
        None,
    )
    if method is None:
        raise Http404
    _announce_send(request, services.code_send(user=request.user, device=method.device))
    return redirect(_with_next("mfa:verify", request, method=kind))


# Manage.


@signed_in
def manage(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "methods": selectors.sign_in_methods(user=user),
        "backup_codes_left": selectors.backup_codes_left(user=user),
        "trusted_devices": selectors.trusted_devices(user=user),
        "can_add": bool(selectors.setup_choices(user=user)),
    }
    return _page(request, "mfa/manage.html", context)


@signed_in
@recent_password_required
@require_POST
def method_remove(request: HttpRequest) -> HttpResponse:
    form = MethodKeyForm(request.POST)
    method = (
        selectors.method_for_key(user=request.user, key=form.data.get("method", ""))
        if form.is_valid()
        else None
    )
    if method is None:
        raise Http404
    try:
        services.method_remove(user=request.user, method=method)
    except services.LastMethodError:
        messages.error(
            request,
            _(
                "You cannot remove your only way to sign in, or you could not sign in any more. "
                "Add another way first, then remove this one."
            ),
        )
    else:
        messages.success(request, _("We removed “%(method)s”.") % {"method": method.label})
    return redirect("mfa:manage")


@signed_in
@recent_password_required
def backup_codes_regenerate(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, "mfa/backup_codes_regenerate.html", {})
    new_codes = services.backup_codes_create(user=request.user)
    return _backup_codes_page(request, new_codes.codes, then=reverse("mfa:manage"))


@signed_in
@require_POST
def trusted_device_revoke(request: HttpRequest) -> HttpResponse:
    form = TrustedDeviceForm(request.POST)
    if form.is_valid():
        services.trusted_device_revoke(user=request.user, public_id=form.cleaned_data["device"])
        messages.success(request, _("That device will be asked for a code next time."))
    return redirect("mfa:manage")
