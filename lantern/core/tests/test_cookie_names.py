"""Cookies carry the `__Host-` prefix over HTTPS and plain names without it (issue 9, 14d).

Settings are read once per process, so each case loads them in a fresh Python process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.http import HttpResponse
from lantern.accounts.sign_in import DEVICE_COOKIE
from lantern.mfa.services import TRUST_COOKIE_NAME, trust_cookie_settings

response = HttpResponse()
response.set_cookie(
    settings.SESSION_COOKIE_NAME, "x", path=settings.SESSION_COOKIE_PATH,
    domain=settings.SESSION_COOKIE_DOMAIN, secure=settings.SESSION_COOKIE_SECURE,
)
response.set_cookie(
    settings.CSRF_COOKIE_NAME, "x", path=settings.CSRF_COOKIE_PATH,
    domain=settings.CSRF_COOKIE_DOMAIN, secure=settings.CSRF_COOKIE_SECURE,
)
response.set_signed_cookie(TRUST_COOKIE_NAME, "x", **trust_cookie_settings())
print(json.dumps({
    "names": [settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, DEVICE_COOKIE,
              TRUST_COOKIE_NAME],
    "headers": [morsel.OutputString() for morsel in response.cookies.values()],
}))
"""


def cookies_with(https: str, tmp_path) -> dict:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="cookie-test-" + "k" * 50,
        HTTPS=https,
        DEBUG="off",
        VAR_DIR=str(tmp_path),
    )
    environment.pop("DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_over_https_every_cookie_name_has_the_host_prefix_and_meets_its_rules(tmp_path):
    cookies = cookies_with("on", tmp_path)

    assert cookies["names"] == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "__Host-lantern_device",
        "__Host-lantern_trusted_device",
    ]
    for header in cookies["headers"]:
        assert header.startswith("__Host-")
        # What browsers require of a __Host- cookie: Secure, Path=/, no Domain.
        assert "Secure" in header
        assert "Path=/" in header
        assert "Domain" not in header


@pytest.mark.parametrize("https", ["off"])
def test_without_https_the_names_are_plain(tmp_path, https):
    cookies = cookies_with(https, tmp_path)

    assert cookies["names"] == [
        "sessionid",
        "csrftoken",
        "lantern_device",
        "lantern_trusted_device",
    ]
