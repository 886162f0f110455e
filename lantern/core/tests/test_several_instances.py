"""Two app servers and two task workers against one PostgreSQL database and Redis, as real
processes (issue 18, point 5): a session made on one server works on the other, sign-in
failures count across both, every task and every reminder is sent exactly once, and the audit
trail stays one unbroken chain with both writing.

The cluster has its own throwaway PostgreSQL database whatever the suite runs on, so this module
runs once, in the PostgreSQL run of the suite (the SQLite run would repeat it word for word).
"""

from __future__ import annotations

import base64
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import requests
from django.conf import settings
from django_otp.oath import totp

from lantern.testing.cluster import HOST, Cluster, create_cluster, drop_cluster
from lantern.testing.smtp import SmtpTestServer

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="starts its own PostgreSQL cluster; runs in the PostgreSQL run of the suite",
)

NOTICES = 40
VISITS = 12
HIDDEN_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpTestServer]:
    server = SmtpTestServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(smtp) -> Iterator[tuple[Cluster, list[int]]]:
    cluster = create_cluster(email_port=smtp.port)
    try:
        ports = [cluster.start_app_server(), cluster.start_app_server()]
        cluster.start_task_worker()
        cluster.start_task_worker()
        yield cluster, ports
    finally:
        drop_cluster(cluster)


def demo_login(cluster: Cluster, username: str) -> dict[str, str]:
    """The demo account's password and authenticator secret, from VAR_DIR/demo-logins.txt."""
    found = {}
    for line in (cluster.var_dir / "demo-logins.txt").read_text().splitlines():
        words = line.split()
        if line.startswith("#") or len(words) < 3 or words[1] != username:
            continue
        if words[2] == "authenticator":
            found["secret"] = words[3]
        elif words[2] == "backup-codes":
            found["backup_codes"] = words[3:]
        elif len(words) == 3:
            found["password"] = words[2]
    return found


def sign_in_with_backup_code(cluster: Cluster, port: int, code_number: int) -> requests.Session:
    """A browser fully signed in as the demo patient on `port`, with one of its backup codes."""
    login = demo_login(cluster, "demo-patient")
    browser = requests.Session()
    post_form(
        browser, port, "/signin/", {"username": "demo-patient", "password": login["password"]}
    )
    verified = post_form(
        browser,
        port,
        "/two-factor/verify/?method=backup",
        {"code": login["backup_codes"][code_number]},
    )
    assert "/two-factor/" not in verified.url, verified.url
    if "/terms/" in verified.url:
        post_form(browser, port, "/terms/", {"next": "/"})
    return browser


def url(port: int, path: str) -> str:
    return f"http://{HOST}:{port}{path}"


def post_form(session: requests.Session, port: int, path: str, data: dict[str, str]):
    """Open the form at `path` and send it with `data` (and its hidden fields, CSRF included)."""
    page = session.get(url(port, path), timeout=10)
    hidden = dict(HIDDEN_FIELD.findall(page.text))
    assert "csrfmiddlewaretoken" in hidden, f"no form on {path} ({page.status_code})"
    return session.post(
        url(port, path),
        data={**hidden, **data},
        headers={"Referer": url(port, path)},
        timeout=10,
    )


def authenticator_code(secret: str) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def test_a_session_made_on_one_server_works_on_the_other(cluster):
    cluster, (first, second) = cluster
    login = demo_login(cluster, "demo-patient")
    browser = requests.Session()
    signed_in = post_form(
        browser, first, "/signin/", {"username": "demo-patient", "password": login["password"]}
    )
    assert "/two-factor/verify/" in signed_in.url
    # The second step is taken on the other server, with the session the first one made.
    verified = post_form(
        browser, second, "/two-factor/verify/", {"code": authenticator_code(login["secret"])}
    )
    assert verified.status_code == 200
    assert "/two-factor/" not in verified.url
    # A first sign-in asks for the terms of use: accepted on the first server again.
    assert "/terms/" in verified.url
    post_form(browser, first, "/terms/", {"next": "/"})
    for port in (first, second):
        home = browser.get(url(port, "/"), timeout=10)
        assert home.status_code == 200, port
        assert "/signin/" not in home.url and "/two-factor/" not in home.url, home.url
        assert "Sign out" in home.text


def test_sign_in_failures_on_both_servers_lock_the_account_on_both(cluster):
    cluster, ports = cluster
    login = demo_login(cluster, "demo-doctor")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        failed = post_form(
            requests.Session(),
            ports[attempt % 2],
            "/signin/",
            {"username": "demo-doctor", "password": "not-the-password-0"},
        )
        assert "/two-factor/" not in failed.url
    for port in ports:
        refused = post_form(
            requests.Session(),
            port,
            "/signin/",
            {"username": "demo-doctor", "password": login["password"]},
        )
        assert refused.status_code == 429, port


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the task workers did not finish in time"
        time.sleep(0.25)


QUEUE_NOTICES = f"""
from django.db import transaction
from lantern.notifications.services import notification_send
with transaction.atomic():
    for number in range({NOTICES}):
        notification_send(kind="password_changed", email=f"notice-{{number}}@example.org")
"""


def test_every_task_runs_exactly_once_with_two_workers(cluster, smtp):
    cluster, _ = cluster
    before = len(smtp.messages)
    cluster.manage("shell", "-c", QUEUE_NOTICES)
    wait_for(lambda: len(smtp.messages) - before >= NOTICES)
    time.sleep(1)  # A duplicate would arrive now, after the last expected one.
    received = Counter(
        recipient
        for _, recipients in smtp.envelopes[before:]
        for recipient in recipients
        if recipient.startswith("notice-")
    )
    assert len(received) == NOTICES
    assert set(received.values()) == {1}


BOOK_VISITS = f"""
import datetime as dt
from django.utils import timezone
from lantern.appointments.models import (
    Appointment, AppointmentReminder, ReminderChannel, VisitType, WeeklyHours,
)
from lantern.audit.models import ActorRole
from lantern.testing.factories import PatientFactory, UserFactory

hours = WeeklyHours.objects.select_related("location").first()
location, clinician = hours.location, hours.clinician
visit_type = VisitType.objects.filter(patients_may_book=True).first()
now = timezone.now()
for number in range({VISITS}):
    patient = PatientFactory(managing_organization=location.organization)
    UserFactory(
        username=f"visitor-{{number}}",
        patient=patient,
        email=f"visitor-{{number}}@example.org",
        email_verified_at=now,
    )
    start = now + dt.timedelta(days=2, minutes=30 * number)
    appointment = Appointment.objects.create(
        patient=patient, clinician=clinician, location=location, visit_type=visit_type,
        starts_at=start, ends_at=start + dt.timedelta(minutes=30),
        booked_by_role=ActorRole.STAFF,
    )
    AppointmentReminder.objects.create(
        appointment=appointment, offset_minutes=3 * 24 * 60, channel=ReminderChannel.EMAIL,
        due_at=now - dt.timedelta(minutes=1),
    )
"""


def test_reminder_sweeps_on_both_instances_send_each_reminder_once(cluster, smtp):
    cluster, _ = cluster
    before = len(smtp.messages)
    cluster.manage("shell", "-c", BOOK_VISITS)
    # Cron runs the sweep on both machines at the same minute.
    sweeps = [
        threading.Thread(target=cluster.manage, args=("send_appointment_reminders",))
        for _ in range(2)
    ]
    for sweep in sweeps:
        sweep.start()
    for sweep in sweeps:
        sweep.join(timeout=120)
    wait_for(lambda: len(smtp.messages) - before >= VISITS)
    time.sleep(1)
    received = Counter(
        recipient
        for _, recipients in smtp.envelopes[before:]
        for recipient in recipients
        if recipient.startswith("visitor-")
    )
    assert len(received) == VISITS
    assert set(received.values()) == {1}


def test_the_audit_trail_stays_one_chain_with_both_servers_writing(cluster):
    cluster, ports = cluster
    browsers = [
        (sign_in_with_backup_code(cluster, port, number), port) for number, port in enumerate(ports)
    ]

    def read_pages(browser: requests.Session, port: int) -> None:
        for _ in range(15):
            browser.get(url(port, "/results/"), timeout=10)

    threads = [threading.Thread(target=read_pages, args=pair) for pair in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # Both machines seal at once (cron); the chain must come out whole.
    sealers = [
        threading.Thread(target=cluster.manage, args=("seal_audit", "--settle-seconds", "0"))
        for _ in range(2)
    ]
    for sealer in sealers:
        sealer.start()
    for sealer in sealers:
        sealer.join(timeout=120)
    # verify_audit exits non-zero (and manage() fails) on a broken or forked chain.
    assert "Head: seal" in cluster.manage("verify_audit")
