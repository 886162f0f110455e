"""Hold a signed-in account at the terms page until it has accepted the current terms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin

from lantern.access.decorators import BEFORE_SECOND_FACTOR, access_rule, is_fully_signed_in

from .selectors import terms_acceptance_due, terms_current_id

# The id of the terms version this session's account was found to have settled (accepted, or
# not asked to accept): until a newer version is published, it is not asked about again.
TERMS_SETTLED_SESSION_KEY = "lantern_terms_settled"


class TermsAcceptanceMiddleware(MiddlewareMixin):
    """Redirect a fully signed-in account to the terms page while a newer version waits.

    Pages open before the second factor (sign-in, sign-out, public pages) stay reachable, so an
    account can always leave. Once the account has settled the current version, the session
    remembers its id: each later page asks only which version is current (one small query), and
    a newly published version holds the account again on its next page. Staff accounts without
    a record of their own are not held (the terms are the patient portal's; see
    `terms_acceptance_due`). It must come after django-otp's
    middleware, which tells whether the second factor was given.
    """

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        if access_rule(view_func) in BEFORE_SECOND_FACTOR:
            return None
        if getattr(view_func, "lantern_terms_page", False):
            return None
        if not is_fully_signed_in(request.user):
            return None
        current = terms_current_id()
        if current is None or request.session.get(TERMS_SETTLED_SESSION_KEY) == current:
            return None
        if not terms_acceptance_due(user=request.user):
            request.session[TERMS_SETTLED_SESSION_KEY] = current
            return None
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('enrollment:terms')}?{query}")
