"""Django's admin, for deployment operators, entered only through Lantern's own sign-in.

Django's admin has its own password-only login page. Left as it is, it would be a second way in
that skips what Lantern's sign-in does: the second step, the sign-in record, the new-device email
and the session list. So its login page sends the browser to Lantern's sign-in (and back to the
admin afterwards), and every admin page needs a session that has passed both steps, whatever the
middleware in front of it does. Its sign-out page ends the session as Lantern's sign-out does.

Clinic administrators are not admin users: they manage their staff in the staff console. The
admin is for the people who run the deployment (`manage.py createsuperuser`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from lantern.access.decorators import ACCESS_RULE_ATTRIBUTE, is_fully_signed_in
from lantern.core.redirects import safe_next_url

# The access rule of the admin's pages that Lantern writes (see lantern.access.decorators): the
# admin site guards them (`has_permission`), and the second-factor middleware, which lets only
# "public" and "signing_in" pages through before the second step, sends a password-only session
# to the second-factor page first.
ADMIN_SITE_RULE = "admin_site"


def admin_site_page(view: Any) -> Any:
    setattr(view, ACCESS_RULE_ATTRIBUTE, ADMIN_SITE_RULE)
    return view


class LanternAdminSite(AdminSite):
    site_header = "Lantern administration"
    site_title = "Lantern administration"

    def has_permission(self, request: HttpRequest) -> bool:
        # Only the people who run the deployment: Django's `is_staff` flag alone is not enough,
        # since clinic staff are staff through their memberships and some accounts carry it.
        user = request.user
        return bool(super().has_permission(request) and user.is_superuser) and is_fully_signed_in(
            user
        )

    @admin_site_page
    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        index = reverse("admin:index", current_app=self.name)
        if self.has_permission(request):
            return HttpResponseRedirect(index)
        if is_fully_signed_in(request.user):
            # Signed in, but not someone who runs the deployment: the admin is not there for
            # them (sending them to sign in again would only bring them back here).
            raise Http404
        next_url = safe_next_url(request, index)
        query = urlencode({REDIRECT_FIELD_NAME: next_url})
        return HttpResponseRedirect(f"{reverse('accounts:sign_in')}?{query}")

    @admin_site_page
    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        from lantern.accounts.views import sign_out

        response: HttpResponse = sign_out(request)
        return response
