"""Signed-in sessions end after SESSION_IDLE_TIMEOUT_SECONDS without a request, after
SESSION_ABSOLUTE_SECONDS from sign-in, or when the account ended all its sessions."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from . import services, session_state
from .sign_in import set_device_cookie


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only sessions that belong to a signed-in account are looked at (no user query else).
        if SESSION_KEY not in request.session:
            return self._respond(request)
        reason = session_state.end_reason(request, request.user)
        if reason is not None:
            return self._sign_out(request, reason)
        if session_state.mark_active(request):
            session_id = request.session.get(session_state.USER_SESSION_ID)
            if session_id:
                services.session_touch(session_id=session_id)
        return self._respond(request)

    def _respond(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A page that signed the account in (sign_in.sign_in_started) names the device.
        set_device_cookie(request, response)
        return response

    @staticmethod
    def _sign_out(request: HttpRequest, reason: str) -> HttpResponse:
        session_id = request.session.get(session_state.USER_SESSION_ID)
        logout(request)
        if session_id:
            services.session_end(session_id=session_id)
        url = f"{reverse('accounts:signed_out')}?{urlencode({'reason': reason})}"
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return HttpResponseRedirect(url)
