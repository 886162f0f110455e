"""DEBUG left on by mistake must not hand out credentials, and it is refused outright with HTTPS.

Settings are read once per process, so each case loads them in a fresh Python process with the
environment under test, as a real deployment would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from django.conf import settings

DATABASE_PASSWORD = "db-pa55word-9f3c"
EMAIL_PASSWORD = "mail-pa55word-7d21"
REDIS_PASSWORD = "redis-pa55word-4b8e"

CREDENTIAL_URLS = {
    "DATABASE_URL": f"postgres://lantern:{DATABASE_PASSWORD}@127.0.0.1:5432/lantern_nowhere",
    "EMAIL_URL": f"submission://mailer:{EMAIL_PASSWORD}@smtp.example.org:587",
    "REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:6379/0",
}

# Renders Django's technical 500 page for a failing request, the way `runserver` would hand the
# request over: its META holds the whole process environment.
TECHNICAL_500 = textwrap.dedent(
    """
    import os, sys
    import django
    django.setup()
    from django.test import RequestFactory
    from django.views.debug import technical_500_response

    request = RequestFactory().get("/results/", **dict(os.environ))
    try:
        raise RuntimeError("something broke")
    except RuntimeError:
        response = technical_500_response(request, *sys.exc_info())
    sys.stdout.write(response.content.decode())
    """
)


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **environment}
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_debug_error_page_shows_no_password_from_the_credential_urls():
    result = run_python(TECHNICAL_500, DEBUG="on", HTTPS="off", **CREDENTIAL_URLS)

    assert result.returncode == 0, result.stderr
    page = result.stdout
    # The page did render the settings and the request's environment, just masked.
    assert "EMAIL_HOST_PASSWORD" in page
    assert "DATABASE_URL" in page
    for password in (DATABASE_PASSWORD, EMAIL_PASSWORD, REDIS_PASSWORD):
        assert password not in page


def test_no_credential_bearing_url_is_kept_as_a_setting():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(sorted(n for n in dir(settings) if n.isupper() and n.endswith('_URL')))"
    )
    result = run_python(code, DEBUG="off", HTTPS="off", **CREDENTIAL_URLS)

    assert result.returncode == 0, result.stderr
    for name in CREDENTIAL_URLS:
        assert name not in result.stdout


def test_the_exception_reporter_filter_masks_urls_dsns_and_cache_locations():
    from lantern.core.debug import ExceptionReporterFilter

    reporter_filter = ExceptionReporterFilter()

    for name in ("DATABASE_URL", "SENTRY_DSN", "AUDIT_DATABASE_URL"):
        assert (
            reporter_filter.cleanse_setting(name, "secret://x")
            == reporter_filter.cleansed_substitute
        )
    caches = reporter_filter.cleanse_setting("CACHES", {"default": {"LOCATION": "redis://:p@h"}})
    assert caches["default"]["LOCATION"] == reporter_filter.cleansed_substitute
    assert reporter_filter.cleanse_setting("TIME_ZONE", "America/New_York") == "America/New_York"


def test_settings_refuse_debug_together_with_https():
    result = run_python("import config.settings", DEBUG="on", HTTPS="on")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG" in result.stderr and "HTTPS" in result.stderr


def test_settings_load_with_debug_on_when_https_is_off():
    result = run_python("import config.settings", DEBUG="on", HTTPS="off")

    assert result.returncode == 0, result.stderr
