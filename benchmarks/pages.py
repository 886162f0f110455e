"""Pages benchmark, part of `make bench`: requests per second of each patient and staff page.

The production server (gunicorn, as scripts/run.sh starts it) runs on 127.0.0.1 on a free port,
over a fresh SQLite database in a temporary VAR_DIR, migrated and loaded with `load_demo`. A
small step in the server's environment (`python benchmarks/pages.py prepare`) signs the demo
patient and the demo nurse in as django-otp does (a session marked verified with their
authenticator device), accepts the terms of use once, makes sure the demo patient has a
conversation, and counts each page's database queries through the Django test client.

Every page is first asked for a few times (BENCH_WARM_REQUESTS, default 6), so that each of the
server's processes has read its templates and URL patterns, as a running server has. Then, in
BENCH_ROUNDS rounds (default 5), each page is measured right after the bare view (/healthz) on
the same stack, A B A B ...: BENCH_PAGE_REQUESTS requests each (default 50), one keep-alive
connection, every measurement stopped after BENCH_PAGE_SECONDS (default 5). BENCH_PAGES, a list of
page labels separated by commas ("medications,home"), measures only those pages. The bare
view is measured twice before each page: without a cookie (nothing but the server and Django) and
with the page's signed-in session (the same middleware a page runs: the session, the account, its
second step, the idle time-out), so the table tells the page's own cost from the stack's. It gives
each page's median requests/s and its median ratio to each bare figure. Figures are printed, never
asserted. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
BARE_PATH = "/healthz"
PATIENT_USERNAME = "demo-patient"
STAFF_USERNAME = "demo-nurse"
PARENT_USERNAME = "demo-parent"
ADMIN_USERNAME = "demo-admin"
SEARCH_TERM = "Tillman"


@dataclass(frozen=True)
class Page:
    label: str
    persona: str  # "patient", "staff", "admin" (a clinic administrator) or "parent"
    url_name: str
    # Names of ids: patient_id, report_id, conversation_id, child_id (the parent's young child),
    # appointment_id (a visit of the patient to change), visit_type_id, clinician_id, start.
    args: tuple[str, ...] = ()
    # The URL's own keyword, when it is not the id's name (a child's id is a `patient_id`).
    kwargs: tuple[str, ...] = ()
    # A query string with ids in braces ("visit={visit_type_id}"), filled like `args`.
    query: str = ""


PAGES = (
    Page("home", "patient", "home:home"),
    Page("results list", "patient", "results:list", ("patient_id",)),
    Page("one result", "patient", "results:detail", ("patient_id", "report_id")),
    Page("access log", "patient", "audit:access_log", ("patient_id",)),
    Page("messages list", "patient", "messaging:list", ("patient_id",)),
    Page("one conversation", "patient", "messaging:detail", ("patient_id", "conversation_id")),
    Page("health record index", "patient", "record:index", ("patient_id",)),
    Page("vitals", "patient", "record:vitals", ("patient_id",)),
    Page("procedures", "patient", "record:procedures", ("patient_id",)),
    Page("appointments", "patient", "appointments:list", ("patient_id",)),
    Page("one appointment", "patient", "appointments:detail", ("patient_id", "appointment_id")),
    Page("book: visit types", "patient", "appointments:book", ("patient_id",)),
    Page(
        "book: a week of open times",
        "patient",
        "appointments:book",
        ("patient_id",),
        query="visit={visit_type_id}&clinician={clinician_id}",
    ),
    Page(
        "book: confirm",
        "patient",
        "appointments:book_confirm",
        ("patient_id",),
        query="visit={visit_type_id}&clinician={clinician_id}&start={start}",
    ),
    Page(
        "appointment: change time",
        "patient",
        "appointments:change",
        ("patient_id", "appointment_id"),
    ),
    Page("appointment: cancel", "patient", "appointments:cancel", ("patient_id", "appointment_id")),
    Page(
        "appointment: calendar file",
        "patient",
        "appointments:calendar",
        ("patient_id", "appointment_id"),
    ),
    Page("request an appointment", "patient", "appointments:request", ("patient_id",)),
    Page("medications", "patient", "record:medications", ("patient_id",)),
    Page("request a refill", "patient", "refills:request", ("patient_id",)),
    Page("staff console home", "staff", "staff:home"),
    Page("staff inbox", "staff", "staff:inbox"),
    Page("staff refill queue", "staff", "refills:queue"),
    Page("staff interface errors", "staff", "hl7v2:queue"),
    Page("staff patient search", "staff", "staff:patients"),
    Page("staff support requests", "staff", "staff:support_requests"),
    Page("staff write to a patient", "staff", "staff:conversation_start", ("patient_id",)),
    Page("staff schedule: day view", "staff", "staff:schedule:day"),
    Page("staff schedule: setup", "staff", "staff:schedule:setup"),
    Page("connected apps", "patient", "smart:connected_apps"),
    Page("staff: registered apps", "admin", "smart:staff_apps"),
    Page("parent: whose record", "parent", "home:people"),
    Page("parent: home", "parent", "home:home"),
    Page("parent: child's results", "parent", "results:list", ("child_id",), ("patient_id",)),
)


def page_paths(ids: dict[str, str]) -> list[tuple[Page, str]]:
    """Each page with its path, the ids filled in from `ids` (needs Django set up)."""
    from django.urls import reverse

    return [
        (
            page,
            reverse(
                page.url_name,
                kwargs={
                    keyword: ids[name]
                    for name, keyword in zip(page.args, page.kwargs or page.args, strict=True)
                },
            )
            + (f"?{page.query.format(**ids)}" if page.query else ""),
        )
        for page in PAGES
    ]


# -- The preparing step, run in the server's environment ------------------------------------------


def signed_in_client(user):
    """A test client whose session is signed in and verified with the user's own authenticator,
    as django-otp marks it after a correct code; the terms of use accepted once."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lantern.accounts.backends import ACCOUNT_BACKEND
    from lantern.enrollment.testing import accept_current_terms

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    client = Client(HTTP_HOST=HOST)
    client.force_login(user, backend=ACCOUNT_BACKEND)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    accept_current_terms(user)
    return client


def demo_ids(patient_user) -> dict[str, str]:
    """The demo patient, one of their results and one conversation (started if none)."""
    import uuid

    from lantern.access.policy import patient_access
    from lantern.messaging.models import Conversation
    from lantern.messaging.selectors import recipients_for
    from lantern.messaging.services import conversation_start
    from lantern.results.selectors import REPORT_ROW, results_for_patient

    access = patient_access(patient_user, patient_user.patient_id)
    rows = results_for_patient(access=access)
    report_id = next(row["result_id"] for row in rows if row["result_type"] == REPORT_ROW)
    conversation = Conversation.objects.filter(patient=access.patient).order_by("pk").first()
    if conversation is None:
        conversation = conversation_start(
            access=access,
            recipient=recipients_for(access=access)[0].key,
            subject="Benchmark question",
            body="A question asked so the benchmark has a conversation to open.",
            submission_id=uuid.uuid5(uuid.NAMESPACE_URL, "lantern-bench"),
        )
    return {
        "patient_id": str(access.patient.pk),
        "report_id": str(report_id),
        "conversation_id": str(conversation.pk),
    }


def booking_ids(access) -> dict[str, str]:
    """A visit type the patient may book, its clinician, an open time a week ahead, and one of
    the patient's visits far enough ahead to change (booked through the pages' own helper if
    there is none), for the appointment pages."""
    import datetime as dt
    import uuid

    from django.utils import timezone

    from lantern.appointments.booking import (
        ANY_CLINICIAN,
        appointment_book_at,
        booking_choices,
        open_week,
    )
    from lantern.appointments.models import Appointment, AppointmentStatus

    visit_type = booking_choices(access=access, params={}).bookable[0]
    params = {"visit": str(visit_type.pk), "clinician": ANY_CLINICIAN}
    chosen = booking_choices(access=access, params=params)
    if chosen.step == "place":
        chosen = booking_choices(access=access, params={**params, "place": chosen.locations[0].pk})
    now = timezone.now()
    week = open_week(
        visit_type=visit_type,
        location=chosen.location,
        clinician_id=chosen.clinician_id,
        week=(now + dt.timedelta(days=7)).astimezone(chosen.location.zone).date().isoformat(),
    )
    times = [time for day in week.days for time in day.times]
    changeable = now + dt.timedelta(days=2)
    appointment = (
        Appointment.objects.filter(
            patient=access.patient, status=AppointmentStatus.BOOKED, starts_at__gt=changeable
        )
        .order_by("starts_at")
        .first()
    )
    if appointment is None:
        appointment = appointment_book_at(
            access=access,
            booking=chosen,
            starts_at=times[-1].starts_at,
            submission_id=uuid.uuid5(uuid.NAMESPACE_URL, "lantern-bench-appointment"),
        )
    return {
        "visit_type_id": str(visit_type.pk),
        "clinician_id": chosen.params().get("clinician", ANY_CLINICIAN),
        "start": times[0].start,
        "appointment_id": str(appointment.pk),
    }


def young_child_id(parent):
    """The demo parent's child under 12, whose whole record the parent sees."""
    from lantern.access.models import ProxyRelationship
    from lantern.demo.services import DEMO_CHILDREN

    youngest = min(DEMO_CHILDREN, key=lambda child: child.age)
    return (
        ProxyRelationship.objects.filter(proxy=parent, patient__fhir_id=youngest.fhir_id)
        .values_list("patient_id", flat=True)
        .get()
    )


def prepare() -> None:
    """Print (JSON) the session cookies, each page's path and its queries per request."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lantern.access.policy import patient_access
    from lantern.staff.views import PATIENT_SEARCH_SESSION_KEY

    users = get_user_model().objects
    parent = users.get(username=PARENT_USERNAME)
    clients = {
        "patient": signed_in_client(users.get(username=PATIENT_USERNAME)),
        "staff": signed_in_client(users.get(username=STAFF_USERNAME)),
        "parent": signed_in_client(parent),
        "admin": signed_in_client(users.get(username=ADMIN_USERNAME)),
    }
    session = clients["staff"].session
    session[PATIENT_SEARCH_SESSION_KEY] = SEARCH_TERM
    session.save()
    ids = demo_ids(users.get(username=PATIENT_USERNAME))
    ids.update(booking_ids(patient_access(users.get(username=PATIENT_USERNAME), ids["patient_id"])))
    ids["child_id"] = str(young_child_id(parent))
    pages = []
    for page, path in page_paths(ids):
        client = clients[page.persona]
        client.get(path)  # The first visit may write once (a new device, a first read).
        with CaptureQueriesContext(connection) as captured:
            status = client.get(path).status_code
        pages.append({"label": page.label, "persona": page.persona, "path": path})
        pages[-1].update(status=status, queries=len(captured))
    cookies = {
        persona: client.cookies[settings.SESSION_COOKIE_NAME].value
        for persona, client in clients.items()
    }
    # The CSRF cookie the first page with a form set, which a browser then sends with every
    # request (without it each page would make a new CSRF secret and set the cookie again).
    csrf_cookies = {
        persona: client.cookies[settings.CSRF_COOKIE_NAME].value
        for persona, client in clients.items()
        if settings.CSRF_COOKIE_NAME in client.cookies
    }
    print(
        json.dumps(
            {
                "cookie_name": settings.SESSION_COOKIE_NAME,
                "cookies": cookies,
                "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
                "csrf_cookies": csrf_cookies,
                "pages": pages,
            }
        )
    )


def persona_cookies(prepared: dict) -> dict[str, str]:
    """Each persona's Cookie header, as its browser sends it: the session and the CSRF cookie."""
    headers = {}
    for persona, session in prepared["cookies"].items():
        header = f"{prepared['cookie_name']}={session}"
        csrf = prepared.get("csrf_cookies", {}).get(persona)
        headers[persona] = f"{header}; {prepared['csrf_cookie_name']}={csrf}" if csrf else header
    return headers


# -- The measuring step -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_environment(var_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        VAR_DIR=str(var_dir),
        STATIC_ROOT=str(var_dir / "static"),
        SECRET_KEY="benchmark-only-secret-key-0123456789-abcdefghijklmnop",  # noqa: S106
        HTTPS="off",
        DEBUG="off",
        ALLOWED_HOSTS=HOST,
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    return run_python(env, "manage.py", *args)


def run_python(env: dict[str, str], *args: str) -> str:
    """Run a Python script of this checkout in the server's environment; its output."""
    result = subprocess.run(  # noqa: S603 (this checkout's own scripts)
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def demo_database_prepare(env: dict[str, str]) -> None:
    """Migrate the environment's database and load the demo data, as `make run` does."""
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput")
    manage(env, "load_demo")


def gunicorn_start(env: dict[str, str], port: int, *, workers: int = 2) -> subprocess.Popen:
    """The production server on 127.0.0.1:`port`, as scripts/run.sh starts it (not yet up)."""
    return subprocess.Popen(  # noqa: S603 (gunicorn from this virtual environment)
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{HOST}:{port}"),
            *("--workers", str(workers), "--no-control-socket"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_up(port: int, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before it answered")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", BARE_PATH)
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on {HOST}:{port} within {seconds:.0f}s")


def requests_per_second(
    port: int, path: str, cookie: str, count: int, seconds: float
) -> tuple[float, int]:
    """GET `path` up to `count` times over one keep-alive connection, for at most `seconds`."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    headers = {"Cookie": cookie, "Connection": "keep-alive"} if cookie else {}
    done = 0
    status = 200
    started = time.perf_counter()
    deadline = started + seconds
    try:
        while done < count and time.perf_counter() < deadline:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status if response.status != 200 else status
            done += 1
    finally:
        connection.close()
    return done / (time.perf_counter() - started), status


def main() -> None:
    rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
    count = int(os.environ.get("BENCH_PAGE_REQUESTS", "50"))
    seconds = float(os.environ.get("BENCH_PAGE_SECONDS", "5"))
    var_dir = Path(tempfile.mkdtemp(prefix="lantern-bench-pages-"))
    env = server_environment(var_dir)
    server = None
    try:
        demo_database_prepare(env)
        prepared = json.loads(run_python(env, str(Path(__file__).resolve()), "prepare"))
        port = free_port()
        server = gunicorn_start(env, port)
        wait_until_up(port, server)
        measure(prepared, port, rounds, count, seconds)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(var_dir, ignore_errors=True)


def pages_chosen(pages: list[dict], labels: str) -> list[dict]:
    """The pages named in `labels` (page labels separated by commas), or all of them."""
    wanted = {label.strip() for label in labels.split(",") if label.strip()}
    unknown = wanted - {page["label"] for page in pages}
    if unknown:
        raise SystemExit(f"BENCH_PAGES names no page called {', '.join(sorted(unknown))}")
    return [page for page in pages if not wanted or page["label"] in wanted]


def measure(prepared: dict, port: int, rounds: int, count: int, seconds: float) -> None:
    cookies = persona_cookies(prepared)
    pages = pages_chosen(prepared["pages"], os.environ.get("BENCH_PAGES", ""))
    print(
        f"Pages benchmark: gunicorn (2 workers) on {HOST}:{port}, SQLite, demo data; "
        f"{rounds} rounds of {count} requests a page, each after {count} of {BARE_PATH}"
    )
    rates: dict[str, list[float]] = {page["label"]: [] for page in pages}
    ratios: dict[str, list[float]] = {page["label"]: [] for page in pages}
    signed_in_ratios: dict[str, list[float]] = {page["label"]: [] for page in pages}
    bare: list[float] = []
    signed_in_bare: list[float] = []
    statuses: dict[str, int] = {page["label"]: page["status"] for page in pages}
    warm = int(os.environ.get("BENCH_WARM_REQUESTS", "6"))
    for page in pages:
        requests_per_second(port, page["path"], cookies[page["persona"]], warm, seconds)
    for _ in range(rounds):
        for page in pages:
            cookie = cookies[page["persona"]]
            bare_rate, _ = requests_per_second(port, BARE_PATH, "", count, seconds)
            signed_in_rate, _ = requests_per_second(port, BARE_PATH, cookie, count, seconds)
            rate, status = requests_per_second(port, page["path"], cookie, count, seconds)
            if status != 200:
                statuses[page["label"]] = status
            bare.append(bare_rate)
            signed_in_bare.append(signed_in_rate)
            rates[page["label"]].append(rate)
            ratios[page["label"]].append(rate / bare_rate)
            signed_in_ratios[page["label"]].append(rate / signed_in_rate)
    print(f"  bare view {BARE_PATH}: median {statistics.median(bare):.0f} req/s without a cookie,")
    print(f"  {statistics.median(signed_in_bare):.0f} req/s with a signed-in session")
    print(f"  {'page':<22} {'req/s':>7} {'ratio':>7} {'signed-in ratio':>16} {'queries':>8}")
    for page in pages:
        label = page["label"]
        note = "" if statuses[label] == 200 else f"  (answered {statuses[label]}, not 200)"
        print(
            f"  {label:<22} {statistics.median(rates[label]):7.0f}"
            f" {statistics.median(ratios[label]):7.2f}"
            f" {statistics.median(signed_in_ratios[label]):16.2f} {page['queries']:8d}{note}"
        )


if __name__ == "__main__":
    if sys.argv[1:] == ["prepare"]:
        prepare()
    else:
        main()
