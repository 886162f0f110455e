"""Every view names its access rule; a test fails for any view that does not.

- `public`: anyone, signed in or not (probes, the sign-in and enrollment pages).
- `signing_in`: an account that has given its password but maybe not yet its second factor
  (the second-factor pages themselves, sign out).
- `signed_in`: an account that has completed sign-in with two factors (settings, home).
- `patient_view(section=..., action=..., object_type=...)`: signed in, and the URL's `patient_id`
  is resolved through the access policy, which must open the named section of the record (a
  proxy's permissions, a parent's age rules, a staff member's role); the view receives
  `request.patient_access`; a patient or section out of scope is 404. The access is audited once,
  after the fact (see `patient_view`).
- `staff_view` (or `staff_view(section=...)`): signed in with an active staff membership (whose
  role opens the section); anyone else gets 404. The view receives `request.staff_roles` and
  `request.staff_sections`, read once for the request.

The decorators check the second factor themselves, so a page is closed even if the middleware
that redirects half-signed-in accounts to the second-factor page were missing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from lantern.audit.models import AuditAction

from . import policy
from .models import Section

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


class AuditMissing(RuntimeError):
    """A view showed a patient's object without recording which one (a bug, refused loudly)."""


def patient_view(
    *,
    section: Section | tuple[Section, ...],
    action: AuditAction = AuditAction.VIEW,
    object_type: str = "record",
):
    """Resolve the URL's patient, run the view, and see that what it did is audited once.

    `section` is the part of the record the page opens (a tuple: every one of them); an access
    that does not open it gets 404, audited as denied, like a patient out of scope.

    `action` and `object_type` name what the page does. The event is written after the view has
    found what it touches, never before:
    - a view of one object (its URL names it by a UUID) records it with `policy.object_get`,
      with its type and id; if it answers a GET without doing so, AuditMissing is raised and
      nothing is shown;
    - a page without an object (a list, an index) that answers a GET successfully is recorded
      here with `object_type`;
    - a write (POST) is recorded by the service that makes it, with the new object's id;
    - an object outside the patient's scope (`policy.ObjectNotFound`) is a 404 and a "denied"
      event, written here after the view's transactions have ended so no rollback removes it.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(
            request: HttpRequest, *args: Any, patient_id: Any, **kwargs: Any
        ) -> HttpResponse:
            if not is_fully_signed_in(request.user):
                return redirect_to_login(request.get_full_path())
            reads = request.method in ("GET", "HEAD")
            # A page that writes on POST only reads on GET: it is audited as what it did.
            access = policy.patient_access(
                request.user,
                patient_id,
                action=AuditAction.VIEW if reads and action in WRITE_ACTIONS else action,
                object_type=object_type,
                audit=False,
                section=section,
            )
            request.patient_access = access
            try:
                response = view(request, *args, **kwargs)
            except policy.ObjectNotFound as error:
                policy.object_denied_record(error)
                raise
            if reads and response.status_code < 300 and not access.audited:
                if any(isinstance(value, uuid.UUID) for value in kwargs.values()):
                    raise AuditMissing(
                        f"{view.__module__}.{view.__qualname__} showed an object without "
                        "recording it; look it up with lantern.access.policy.object_get."
                    )
                policy.access_record(access)
            return response

        setattr(wrapper, ACCESS_RULE_ATTRIBUTE, "patient")
        wrapper.lantern_section = section
        return wrapper

    return decorate


def staff_view(view: View | None = None, *, section: Section | None = None) -> Any:
    """`@staff_view`, or `@staff_view(section=...)` for a work list that shows that section of
    patients' records (results on hold): only staff whose role opens it; anyone else gets 404."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not is_fully_signed_in(request.user):
                return redirect_to_login(request.get_full_path())
            staff = policy.staff_access(request.user)
            sections = policy.sections_of_roles(staff.roles)
            if not sections or (section is not None and section not in sections):
                raise Http404
            # The console's frame and the view read them here rather than ask again.
            request.staff_access = staff
            request.staff_roles = staff.roles
            request.staff_sections = sections
            return view(request, *args, **kwargs)

        setattr(wrapper, ACCESS_RULE_ATTRIBUTE, "staff")
        return wrapper

    return decorate(view) if view is not None else decorate
