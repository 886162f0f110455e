"""The headers at work in Chromium: the policy blocks nothing the portal itself needs, and after
sign-out nothing of a result or a message is left in the browser's disk cache."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from lantern.accounts.models import User
from lantern.clinical.models import DiagnosticReportResult
from lantern.enrollment.testing import accept_current_terms
from lantern.testing.auth import sign_in, sign_in_password_only
from lantern.testing.browser import CHROMIUM_ARGS, chromium_path
from lantern.testing.factories import DiagnosticReportFactory, ObservationFactory
from lantern.testing.factories_messaging import ConversationFactory, MessageFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 800}
RESULT_MARKER = "Quokkaglobin 7Q4X panel"
MESSAGE_MARKER = "Tangerine umbrella 9K2W question"

# Registered before any page script runs (Playwright's init scripts are not subject to the
# page's policy): every violation the browser reports is kept on the window.
COLLECT_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`);
});
"""


def record_for(user) -> dict[str, str]:
    """A released result and a message thread with words found nowhere else."""
    patient = user.patient
    taken = timezone.now() - dt.timedelta(days=10)
    report = DiagnosticReportFactory(
        patient=patient, code="", display=RESULT_MARKER, effective_at=taken
    )
    value = ObservationFactory(patient=patient, effective_at=taken)
    DiagnosticReportResult.objects.create(report=report, observation=value, position=0)
    conversation = ConversationFactory(patient=patient, created_by=user, subject="Tiredness")
    MessageFactory(conversation=conversation, body=MESSAGE_MARKER)
    base = f"/patients/{patient.pk}"
    return {
        "result": f"{base}/results/{report.pk}/",
        "thread": f"{base}/messages/{conversation.pk}/",
    }


def add_session(context, live_server, user) -> None:
    cookie = sign_in(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def sign_out(page) -> None:
    """Through the menu, as on a phone: Menu → Your account → Sign out."""
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Your account").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="You are signed out").wait_for()


def watched_page(browser, live_server, user, console: list[str], *, second_factor: bool = True):
    """A new phone-width tab signed in as `user`, reporting violations and console messages."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(15_000)
    cookie = (sign_in if second_factor else sign_in_password_only)(Client(), user).cookies
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    tab = context.new_page()
    tab.on("console", lambda message: console.append(message.text))
    tab.on("pageerror", lambda error: console.append(f"page error: {error}"))
    tab.add_init_script(COLLECT_VIOLATIONS)
    return tab


def visit(tab, path: str, violations: list[str]) -> None:
    response = tab.goto(path)
    assert response is not None and response.status == 200, path
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    tab.wait_for_load_state("load")
    violations.extend(tab.evaluate("window.__violations"))


def test_the_main_pages_run_under_the_policy_without_a_single_violation(
    page, browser, live_server, alice, charlie, nora, settings
):
    # The idle warning opens a few seconds after a page loads.
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 64
    urls = record_for(alice)
    console: list[str] = []
    violations: list[str] = []

    # Signing in (nobody signed in yet).
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(COLLECT_VIOLATIONS)
    visit(page, "/signin/", violations)
    page.get_by_label("Username").fill("alice")

    # A patient's pages.
    tab = watched_page(browser, live_server, alice, console)
    for path in (
        "/",
        f"/patients/{alice.patient_id}/results/",
        urls["result"],
        urls["thread"],
        "/two-factor/",
        "/account/",
    ):
        visit(tab, path, violations)

    # The idle time-out dialog (USWDS modal, opened by session-timeout.js), and staying.
    visit(tab, "/", violations)
    tab.get_by_role("heading", name="Do you want to stay signed in?").wait_for(timeout=20_000)
    tab.get_by_role("button", name="Stay signed in").click()
    tab.get_by_role("heading", name="Do you want to stay signed in?").wait_for(state="hidden")
    violations.extend(tab.evaluate("window.__violations"))
    tab.context.close()

    # Setting up a second step right after the password: the choices, the authenticator app's
    # QR code and the passkey page with django-otp-webauthn's script.
    accept_current_terms(charlie)
    tab = watched_page(browser, live_server, charlie, console, second_factor=False)
    visit(tab, "/two-factor/setup/", violations)
    visit(tab, "/two-factor/setup/app/", violations)
    tab.locator("svg.segno").wait_for()
    visit(tab, "/two-factor/setup/passkey/", violations)
    tab.get_by_role("button", name="Create a passkey").wait_for()
    violations.extend(tab.evaluate("window.__violations"))
    tab.context.close()

    # The staff console.
    tab = watched_page(browser, live_server, nora, console)
    for path in ("/staff/", "/staff/messages/", "/staff/patients/"):
        visit(tab, path, violations)
    tab.context.close()

    # The Django admin gets the same policy, and its own scripts live within it.
    root = User.objects.create(username="root", is_staff=True, is_superuser=True)
    tab = watched_page(browser, live_server, root, console)
    for path in ("/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{alice.pk}/change/"):
        visit(tab, path, violations)
    tab.context.close()

    assert violations == []
    assert [text for text in console if re.search("Content.Security.Policy", text, re.I)] == []
    assert [text for text in console if text.startswith("page error")] == []


def test_the_violation_collector_sees_a_blocked_inline_style(page, live_server, alice):
    # Guards the test above: a collector that never fires would pass anything.
    page.add_init_script(COLLECT_VIOLATIONS)
    page.goto("/signin/")

    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_function("window.__violations.length > 0")

    assert "style-src-attr" in page.evaluate("window.__violations")[0]


def cache_bytes(profile: Path) -> bytes:
    """Everything in Chromium's HTTP disk cache of the profile."""
    folders = [path for path in profile.rglob("Cache") if path.is_dir()]
    assert folders, f"no Cache folder in {profile}"
    return b"".join(
        file.read_bytes() for folder in folders for file in folder.rglob("*") if file.is_file()
    )


def test_after_sign_out_no_result_or_message_is_left_in_the_disk_cache(
    browser, live_server, alice, tmp_path
):
    urls = record_for(alice)
    profile = tmp_path / "chromium-profile"
    context = browser.browser_type.launch_persistent_context(
        str(profile),
        executable_path=chromium_path(),
        args=CHROMIUM_ARGS,
        base_url=live_server.url,
        viewport=PHONE,
    )
    try:
        page = context.new_page()
        add_session(context, live_server, alice)
        page.goto(urls["result"])
        page.get_by_role("heading", name=RESULT_MARKER).wait_for()
        page.goto(urls["thread"])
        page.get_by_text(MESSAGE_MARKER).wait_for()
        # The cache is written while signed in: the portal's own stylesheet, which may be kept,
        # reaches the disk (guards against a test that reads the wrong folder). It is checked
        # before signing out, whose Clear-Site-Data header empties the disk cache.
        assert wait_for_bytes_in_cache(profile, b"lantern-document-text")
        sign_out(page)
    finally:
        context.close()

    cached = cache_bytes(profile)
    assert [marker for marker in (RESULT_MARKER, MESSAGE_MARKER) if marker.encode() in cached] == []


def wait_for_bytes_in_cache(profile: Path, wanted: bytes, seconds: float = 10) -> bool:
    """Chromium writes its disk cache a little after a page loads."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if wanted in cache_bytes(profile):
            return True
        time.sleep(0.2)
    return False
