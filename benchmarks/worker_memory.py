"""Worker memory benchmark, part of `make bench`: does an app worker grow as it serves?

The production server (gunicorn, one worker, so every request reaches the same process) serves
the demo data on SQLite in a temporary VAR_DIR; BENCH_MEMORY_REQUESTS (default 10,000) requests
go round every page of benchmarks/pages.py, each with its signed-in persona. The worker's
resident memory (VmRSS) is read after the first half and at the end; the goal is growth of at
most 5% between the two (a figure, not a test). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import tempfile
from pathlib import Path

import pages  # benchmarks/pages.py, beside this file

HOST = pages.HOST


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise SystemExit(f"no VmRSS for process {pid}")


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    if len(children) != 1:
        raise SystemExit(f"expected one gunicorn worker, found {children}")
    return int(children[0])


def serve(port: int, prepared: dict, count: int) -> None:
    cookies = pages.persona_cookies(prepared)
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        for number in range(count):
            page = prepared["pages"][number % len(prepared["pages"])]
            connection.request("GET", page["path"], headers={"Cookie": cookies[page["persona"]]})
            connection.getresponse().read()
    finally:
        connection.close()


def main() -> None:
    total = int(os.environ.get("BENCH_MEMORY_REQUESTS", "10000"))
    var_dir = Path(tempfile.mkdtemp(prefix="lantern-bench-memory-"))
    env = pages.server_environment(var_dir)
    server = None
    try:
        pages.demo_database_prepare(env)
        prepared = json.loads(pages.run_python(env, str(Path(pages.__file__).resolve()), "prepare"))
        port = pages.free_port()
        server = pages.gunicorn_start(env, port, workers=1)
        pages.wait_until_up(port, server)
        worker = worker_pid(server.pid)
        serve(port, prepared, total // 2)
        half = resident_kib(worker)
        serve(port, prepared, total - total // 2)
        end = resident_kib(worker)
        print(
            f"Worker memory: one gunicorn worker, {total} requests round {len(prepared['pages'])}"
            f" pages; {half / 1024:.1f} MiB after {total // 2}, {end / 1024:.1f} MiB after"
            f" {total}: {100 * (end - half) / half:+.1f}% (goal: at most +5%)"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
