"""Where a FHIR search's time goes, in process: CPU per search and a cProfile of it.

Run in the server's environment (a migrated database with the demo loaded, as
benchmarks/fhir_search.py prepares it):

    VAR_DIR=... SECRET_KEY=... HTTPS=off DEBUG=off ALLOWED_HOSTS=127.0.0.1 \
        python benchmarks/fhir_search.py prepare > prepared.json
    ... python benchmarks/fhir_profile.py prepared.json [requests] [--profile]

The search `benchmarks/fhir_search.py prepare` printed (a real bearer token) is sent through
the WSGI application gunicorn serves (`config.wsgi.application`, the whole middleware stack),
`requests` times (default 2000) after a warm-up, beside the bare view /healthz. It prints the
CPU (time.process_time) per request of each; with --profile, the top of a cProfile of the
searches, by own time and by cumulative time.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def environ(path: str, headers: dict[str, str]) -> dict:
    target, _, query = path.partition("?")
    found = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": target,
        "QUERY_STRING": query,
        "SERVER_NAME": HOST,
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": HOST,
        "HTTP_HOST": HOST,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        found["HTTP_" + name.upper().replace("-", "_")] = value
    return found


def call(application, path: str, headers: dict[str, str]) -> str:
    status: list[str] = []

    def start_response(line, response_headers, exc_info=None):
        status.append(line)

    body = application(environ(path, headers), start_response)
    try:
        b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return status[0]


def cpu_per_request(application, path: str, headers: dict[str, str], requests: int) -> float:
    started = time.process_time()
    for _ in range(requests):
        call(application, path, headers)
    return (time.process_time() - started) / requests


def main() -> None:
    prepared = json.loads(Path(sys.argv[1]).read_text())
    requests = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 2000
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.wsgi import application

    path = prepared["path"]
    headers = {"Authorization": f"Bearer {prepared['token']}"}
    status = call(application, path, headers)
    print(f"search answered {status}")
    for _ in range(200):
        call(application, path, headers)
        call(application, "/healthz", {})
    search = cpu_per_request(application, path, headers, requests)
    bare = cpu_per_request(application, "/healthz", {}, requests)
    print(f"CPU per search: {search * 1000:.3f} ms; per bare view: {bare * 1000:.3f} ms")
    if "--profile" in sys.argv:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            call(application, path, headers)
        profiler.disable()
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(45)
            print(out.getvalue())


if __name__ == "__main__":
    main()
