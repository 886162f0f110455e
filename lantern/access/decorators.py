"""Every view names its access rule; a test fails for any view that does not.

- `public`: anyone, signed in or not (probes, sign-in pages).
- `patient_view(action=...)`: the URL's `patient_id` is resolved through the access policy and
  the view receives `request.patient_access`; out of scope is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from lantern.audit.models import AuditAction

from . import policy

ACCESS_RULE_ATTRIBUTE = "lantern_access_rule"

View = Callable[..., HttpResponse]


def public(view: View) -> View:
    setattr(view, ACCESS_RULE_ATTRIBUTE, "public")
    return view


def patient_view(*, action: AuditAction = AuditAction.VIEW, object_type: str = "record"):
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(
            request: HttpRequest, *args: Any, patient_id: Any, **kwargs: Any
        ) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            request.patient_access = policy.patient_access(
                request.user, patient_id, action=action, object_type=object_type
            )
            return view(request, *args, **kwargs)

        setattr(wrapper, ACCESS_RULE_ATTRIBUTE, "patient")
        return wrapper

    return decorate
