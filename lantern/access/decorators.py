"""Every view names its access rule; a test fails for any view that does not.

- `public`: anyone, signed in or not (probes, the sign-in and enrollment pages).
- `signing_in`: an account that has given its password but maybe not yet its second factor
  (the second-factor pages themselves, sign out).
- `signed_in`: an account that has completed sign-in with two factors (settings, home).
- `patient_view(action=...)`: signed in, and the URL's `patient_id` is resolved through the access
  policy; the view receives `request.patient_access`; out of scope is 404.
- `staff_view`: signed in with an active staff membership; anyone else gets 404.

The decorators check the second factor themselves, so a page is closed even if the middleware
that redirects half-signed-in accounts to the second-factor page were missing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from lantern.audit.models import AuditAction

from . import policy

ACCESS_RULE_ATTRIBUTE = "lantern_access_rule"
# Rules whose views an account may reach before its second factor is verified.
BEFORE_SECOND_FACTOR = {"public", "signing_in"}

View = Callable[..., HttpResponse]
WRITE_ACTIONS = frozenset({AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE})


def access_rule(view: Any) -> str | None:
    return getattr(view, ACCESS_RULE_ATTRIBUTE, None)


def is_fully_signed_in(user: Any) -> bool:
    """Password and second factor both given in this session (django-otp marks the latter)."""
    verified = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and user.is_active and verified and verified())


def public(view: View) -> View:
    setattr(view, ACCESS_RULE_ATTRIBUTE, "public")
    return view


def signing_in(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    setattr(wrapper, ACCESS_RULE_ATTRIBUTE, "signing_in")
    return wrapper


def signed_in(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_fully_signed_in(request.user):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    setattr(wrapper, ACCESS_RULE_ATTRIBUTE, "signed_in")
    return wrapper


def patient_view(*, action: AuditAction = AuditAction.VIEW, object_type: str = "record"):
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(
            request: HttpRequest, *args: Any, patient_id: Any, **kwargs: Any
        ) -> HttpResponse:
            if not is_fully_signed_in(request.user):
                return redirect_to_login(request.get_full_path())
            # A page that writes on POST only reads on GET: it is audited as what it did.
            reads_only = request.method in ("GET", "HEAD") and action in WRITE_ACTIONS
            request.patient_access = policy.patient_access(
                request.user,
                patient_id,
                action=AuditAction.VIEW if reads_only else action,
                object_type=object_type,
            )
            return view(request, *args, **kwargs)

        setattr(wrapper, ACCESS_RULE_ATTRIBUTE, "patient")
        return wrapper

    return decorate


def staff_view(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_fully_signed_in(request.user):
            return redirect_to_login(request.get_full_path())
        if not policy.is_staff_member(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    setattr(wrapper, ACCESS_RULE_ATTRIBUTE, "staff")
    return wrapper
