"""FHIR search benchmark, part of `make bench`: requests per second of the US Core search
`Observation?patient=…&code=…&_sort=-date&_count=20` with a bearer token, beside the bare view.

The production server (gunicorn, 2 workers, as benchmarks/pages.py starts it) runs on
127.0.0.1 on a free port, over a fresh database: on PostgreSQL when DATABASE_URL is set (a
database of its own beside the one named, `<name>_fhirbench`, created and dropped here), else
SQLite in a temporary VAR_DIR; migrated and loaded with `load_demo`. A small step in the
server's environment (`python benchmarks/fhir_search.py prepare`) connects an app for the demo
patient (a real access token, `patient/*.rs`), picks the test the demo patient has most values
of, and counts the search's queries.

Then, in BENCH_ROUNDS rounds (default 3), the search and the bare view (/healthz) are measured
one after the other, A B A B: each for BENCH_FHIR_SECONDS (default 3) from BENCH_FHIR_CLIENTS
(default 4) connections at once. It prints the median requests/s of each and their ratio.
Figures are printed, never asserted. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import (  # benchmarks/pages.py, beside this file
    BARE_PATH,
    HOST,
    ROOT,
    demo_database_prepare,
    free_port,
    gunicorn_start,
    run_python,
    server_environment,
    wait_until_up,
)

BENCH_DATABASE_SUFFIX = "_fhirbench"


# -- The preparing step, run in the server's environment ------------------------------------------


def prepare() -> None:
    """Print (JSON) a bearer token for the demo patient, the search's path and its queries."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from lantern.clinical.models import Observation, Patient
    from lantern.demo.services import DEMO_PATIENT_FHIR_ID, DEMO_SOURCE_SYSTEM
    from lantern.fhir_api.testing import connected_app_token

    patient = Patient.objects.get(source_system=DEMO_SOURCE_SYSTEM, fhir_id=DEMO_PATIENT_FHIR_ID)
    user = get_user_model().objects.get(patient=patient)
    system, code, _values = (
        Observation.objects.filter(patient=patient)
        .values_list("code_system", "code")
        .annotate(values=Count("pk"))
        .order_by("-values", "code")
        .first()
    )
    token = connected_app_token(user, patient, "patient/*.rs", app_name="Benchmark app")
    path = f"/fhir/r4/Observation?patient={patient.pk}&code={system}|{code}&_sort=-date&_count=20"
    client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {token}")
    client.get(path)  # The first read of a minute notes when the app last read.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    found = len(json.loads(response.content).get("entry", []))
    print(
        json.dumps(
            {
                "token": token,
                "path": path,
                "status": response.status_code,
                "queries": len(captured),
                "entries": found,
            }
        )
    )


# -- The measuring step -------------------------------------------------------------------------


def rate(port: int, path: str, headers: dict[str, str], clients: int, seconds: float) -> tuple:
    """Requests/s of GET `path` from `clients` connections at once for `seconds`; any status
    other than 200 seen."""
    done = [0] * clients
    statuses: set[int] = set()
    deadline = time.perf_counter() + seconds

    def work(index: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            while time.perf_counter() < deadline:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    statuses.add(response.status)
                done[index] += 1
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started), statuses


def bench_database_url() -> str | None:
    """A PostgreSQL database of the benchmark's own beside DATABASE_URL's (None: SQLite)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + BENCH_DATABASE_SUFFIX
    return urlunsplit(parts._replace(path=f"/{name}"))


def _postgres(url: str, statement: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    name = parts.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL(statement).format(sql.Identifier(name)))


def main() -> None:
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    seconds = float(os.environ.get("BENCH_FHIR_SECONDS", "3"))
    clients = int(os.environ.get("BENCH_FHIR_CLIENTS", "4"))
    var_dir = Path(tempfile.mkdtemp(prefix="lantern-bench-fhir-"))
    env = server_environment(var_dir)
    database_url = bench_database_url()
    if database_url:
        _postgres(database_url, "DROP DATABASE IF EXISTS {}")
        _postgres(database_url, "CREATE DATABASE {}")
        env["DATABASE_URL"] = database_url
    server = None
    try:
        demo_database_prepare(env)
        prepared = json.loads(run_python(env, str(Path(__file__).resolve()), "prepare"))
        port = free_port()
        server = gunicorn_start(env, port)
        wait_until_up(port, server)
        measure(
            prepared, port, rounds, seconds, clients, "PostgreSQL" if database_url else "SQLite"
        )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        if database_url:
            _postgres(database_url, "DROP DATABASE IF EXISTS {}")
        shutil.rmtree(var_dir, ignore_errors=True)


def measure(
    prepared: dict, port: int, rounds: int, seconds: float, clients: int, engine: str
) -> None:
    path = prepared["path"]
    search_headers = {"Authorization": f"Bearer {prepared['token']}"}
    print(
        f"FHIR search benchmark: gunicorn (2 workers) on {HOST}:{port}, {engine}, demo data; "
        f"{rounds} rounds, {clients} connections, {seconds:.0f} s each, search and {BARE_PATH} "
        "in turn"
    )
    print(
        f"  search: {path.split('?')[0]}?patient=…&code=…&_sort=-date&_count=20 "
        f"({prepared['entries']} entries, {prepared['queries']} queries, "
        f"status {prepared['status']})"
    )
    # Warm both workers up (imports, first connections) before measuring.
    rate(port, path, search_headers, clients, 1)
    rate(port, BARE_PATH, {}, clients, 1)
    searches: list[float] = []
    bare: list[float] = []
    seen: set[int] = set()
    for _ in range(rounds):
        found, statuses = rate(port, path, search_headers, clients, seconds)
        searches.append(found)
        seen |= statuses
        found, statuses = rate(port, BARE_PATH, {}, clients, seconds)
        bare.append(found)
        seen |= statuses
    search_rate, bare_rate = statistics.median(searches), statistics.median(bare)
    note = f"  (answered {sorted(seen)}, not only 200)" if seen else ""
    print(f"  search       median {search_rate:6.0f} req/s  (rounds: {_listed(searches)}){note}")
    print(f"  bare view    median {bare_rate:6.0f} req/s  (rounds: {_listed(bare)})")
    print(f"  search / bare view: {search_rate / bare_rate:.2f}")
    # The machine may be shared: the figures mean little when the load is above its cores.
    print(f"  load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


def _listed(rates: list[float]) -> str:
    return ", ".join(f"{value:.0f}" for value in rates)


if __name__ == "__main__":
    if sys.argv[1:] == ["prepare"]:
        prepare()
    else:
        main()
