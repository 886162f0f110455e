"""New backup codes are shown once and never kept in a session row (issue 9, item 14f)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from lantern.accounts import reauth
from lantern.mfa.passkeys import NewBackupCodesMixin
from lantern.mfa.views import BACKUP_CODES_DUE_SESSION_KEY
from lantern.testing.auth import sign_in
from lantern.testing.factories_mfa import TOTPDeviceFactory, current_totp_code

pytestmark = pytest.mark.django_db


def session_rows_holding(codes: list[str]) -> list[str]:
    """Every session row (raw and decoded) that contains one of the codes."""
    found = []
    for row in Session.objects.all():
        text = row.session_data + repr(row.get_decoded())
        if any(code in text or code.replace("-", "") in text for code in codes):
            found.append(row.session_key)
    return found


def test_codes_from_the_first_method_are_in_no_session_row(half_signed_in, alice):
    half_signed_in.get(reverse("mfa:setup_method", args=["app"]))
    device = alice.totpdevice_set.get()

    response = half_signed_in.post(
        reverse("mfa:setup_method", args=["app"]), {"code": current_totp_code(device)}
    )

    codes = response.context["codes"]
    assert len(codes) == 10
    assert "no-store" in response["Cache-Control"]
    assert session_rows_holding(codes) == []


def test_regenerated_codes_are_in_no_session_row(client, alice):
    TOTPDeviceFactory(user=alice)
    sign_in(client, alice)
    session = client.session
    session[reauth.SESSION_KEY] = timezone.now().timestamp()
    session.save()

    response = client.post(reverse("mfa:backup_codes_regenerate"))

    codes = response.context["codes"]
    assert len(codes) == 10
    assert session_rows_holding(codes) == []
    # Opening the codes page again shows nothing: they were shown once.
    assert client.get(reverse("mfa:backup_codes")).status_code == 302


class _LibraryView:
    def post(self, *args, **kwargs) -> HttpResponse:
        return HttpResponse(status=200)


class _PasskeyView(NewBackupCodesMixin, _LibraryView):
    def __init__(self, request) -> None:
        self.request = request


def test_the_first_passkey_leaves_a_flag_not_codes_and_the_page_shows_them_once(client, alice):
    sign_in(client, alice)
    request = RequestFactory().post("/")
    request.user = alice
    request.session = client.session

    _PasskeyView(request).post()
    request.session.save()

    assert request.session[BACKUP_CODES_DUE_SESSION_KEY] is True
    page = client.get(reverse("mfa:backup_codes"))
    codes = page.context["codes"]
    assert len(codes) == 10
    assert codes[0] in page.content.decode()
    assert session_rows_holding(codes) == []
    assert client.get(reverse("mfa:backup_codes")).status_code == 302
