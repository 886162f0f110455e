"""Scale benchmark, part of `make bench`: the pages at two database sizes on PostgreSQL.

A throwaway PostgreSQL database (DATABASE_URL's server, or 127.0.0.1 as `postgres`) is migrated
and loaded with the demo data, then `generate_patients` brings it to each size in
BENCH_SCALE_PATIENTS (default "1000,100000"; generating 100,000 took 21 minutes on a 2-core
machine). At each size the production server (gunicorn, 2 workers) serves every page of
benchmarks/pages.py to its signed-in persona: BENCH_ROUNDS rounds (default 3) of
BENCH_PAGE_REQUESTS requests (default 20) a page, each round after as many requests of the bare
view without a cookie and as many with the page's signed-in session, after two untimed requests
of each page. It prints one table
(requests/s, ratios to the bare view without and with the session, median and 95th percentile
latency at each size, and their ratios largest size to smallest) and writes the same figures to
a JSON file (BENCH_SCALE_JSON, default scale-benchmark.json in the temporary folder it prints).
Goals, printed beside the figures, never asserted: every page at least 0.25 of the bare view;
median latency at the largest size at most 1.2 times that at the smallest (95th percentile 1.5).
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pages  # benchmarks/pages.py, beside this file
import psycopg

HOST = pages.HOST
# Fresh statistics after a bulk load, as autovacuum would give them a little later.
ANALYZE = "from django.db import connection\nconnection.cursor().execute('VACUUM ANALYZE')"


def postgres_server() -> dict[str, object]:
    url = urlsplit(os.environ.get("DATABASE_URL", ""))
    if url.scheme.startswith("postgres"):
        return {"host": url.hostname, "port": url.port or 5432, "user": url.username}
    return {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def timed_requests(port: int, path: str, cookie: str, count: int) -> list[float]:
    """Each request's seconds, over one keep-alive connection."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Cookie": cookie, "Connection": "keep-alive"} if cookie else {}
    latencies = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - started)
            if response.status != 200:
                raise SystemExit(f"{path} answered {response.status}")
    finally:
        connection.close()
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure_size(env: dict[str, str], rounds: int, count: int) -> dict[str, dict[str, float]]:
    prepared = json.loads(pages.run_python(env, str(Path(pages.__file__).resolve()), "prepare"))
    cookies = pages.persona_cookies(prepared)
    port = pages.free_port()
    server = pages.gunicorn_start(env, port)
    try:
        pages.wait_until_up(port, server)
        bare: list[float] = []
        signed_in: dict[str, list[float]] = {page["label"]: [] for page in prepared["pages"]}
        found: dict[str, list[float]] = {page["label"]: [] for page in prepared["pages"]}
        # One untimed visit of each page first, as on a server that has been serving them: the
        # first read of a large database's pages comes from disk.
        for page in prepared["pages"]:
            timed_requests(port, page["path"], cookies[page["persona"]], 2)
        for _ in range(rounds):
            for page in prepared["pages"]:
                cookie = cookies[page["persona"]]
                bare += timed_requests(port, pages.BARE_PATH, "", count)
                signed_in[page["label"]] += timed_requests(port, pages.BARE_PATH, cookie, count)
                found[page["label"]] += timed_requests(port, page["path"], cookie, count)
        bare_rate = len(bare) / sum(bare)
        figures = {"bare view": {"rate": bare_rate, "median": statistics.median(bare)}}
        for label, latencies in found.items():
            rate = len(latencies) / sum(latencies)
            signed_in_rate = len(signed_in[label]) / sum(signed_in[label])
            figures[label] = {
                "rate": rate,
                "ratio": rate / bare_rate,
                "signed_in_ratio": rate / signed_in_rate,
                "median": statistics.median(latencies),
                "p95": percentile(latencies, 0.95),
            }
        return figures
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def print_table(sizes: list[int], results: dict[int, dict[str, dict[str, float]]]) -> None:
    small, large = results[sizes[0]], results[sizes[-1]]
    print(
        f"  bare view: {small['bare view']['rate']:.0f} req/s at {sizes[0]} patients, "
        f"{large['bare view']['rate']:.0f} at {sizes[-1]}"
    )
    print(
        f"  {'page':<28} {'req/s':>6} {'ratio':>6} {'signed-in':>9} {'median ms':>17}"
        f" {'p95 ms':>17} {'median x':>8} {'p95 x':>6}"
    )
    for label, figures in large.items():
        if label == "bare view":
            continue
        before = small[label]
        print(
            f"  {label:<28} {figures['rate']:6.0f} {figures['ratio']:6.2f}"
            f" {figures['signed_in_ratio']:9.2f}"
            f" {before['median'] * 1000:8.1f} {figures['median'] * 1000:8.1f}"
            f" {before['p95'] * 1000:8.1f} {figures['p95'] * 1000:8.1f}"
            f" {figures['median'] / before['median']:8.2f} {figures['p95'] / before['p95']:6.2f}"
        )
    print(
        "  ratio: to the bare view without a cookie; signed-in: to the bare view with the page's"
        " session.\n  Goals: ratio >= 0.25; median x <= 1.2; p95 x <= 1.5 (figures, not tests)."
    )


def main() -> None:
    sizes = sorted(
        int(size) for size in os.environ.get("BENCH_SCALE_PATIENTS", "1000,100000").split(",")
    )
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    count = int(os.environ.get("BENCH_PAGE_REQUESTS", "20"))
    server = postgres_server()
    database = f"lantern_bench_scale_{secrets.token_hex(3)}"
    var_dir = Path(tempfile.mkdtemp(prefix="lantern-bench-scale-"))
    env = pages.server_environment(var_dir)
    env["DATABASE_URL"] = (
        f"postgres://{server['user']}@{server['host']}:{server['port']}/{database}"
    )
    print(
        f"Scale benchmark: PostgreSQL database {database}, gunicorn (2 workers) on {HOST}, "
        f"sizes {', '.join(map(str, sizes))} generated patients; load {os.getloadavg()}"
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    results: dict[int, dict[str, dict[str, float]]] = {}
    try:
        pages.demo_database_prepare(env)
        generated = 0
        for size in sizes:
            started = time.monotonic()
            subprocess.run(  # noqa: S603 (this checkout's manage.py)
                [sys.executable, "manage.py", "generate_patients", str(size - generated)],
                cwd=pages.ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            generated = size
            pages.manage(env, "shell", "-c", ANALYZE)
            print(f"  {size} patients generated in {time.monotonic() - started:.0f} s")
            results[size] = measure_size(env, rounds, count)
        print_table(sizes, results)
        out = Path(os.environ.get("BENCH_SCALE_JSON", var_dir / "scale-benchmark.json"))
        out.write_text(json.dumps({"load": os.getloadavg(), "sizes": results}, indent=2))
        print(f"  figures written to {out}")
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if "BENCH_SCALE_JSON" in os.environ:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
