"""The production server (gunicorn, one worker) on 127.0.0.1 over the test's own database, for
tests with clients that are not ours.

On PostgreSQL gunicorn connects to the test database itself; on SQLite, whose test database
lives in the test process's memory, the data the test made is copied into a file first (the
SQLite backup API), so everything a test asserts after that it asserts over HTTP.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url(tmp_path: Path) -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        copy = tmp_path / "live.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(copy)
        connection.connection.backup(target)
        target.close()
        return f"sqlite:///{copy}"
    user = quote(settings["USER"] or "")
    password = f":{quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def collect_static(static_root: Path) -> Path:
    """The production static files (hashed names, as gunicorn serves them), collected once."""
    if not (static_root / "staticfiles.json").is_file():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={**os.environ, "STATIC_ROOT": str(static_root)},
            check=True,
            timeout=600,
        )
    return static_root


class LiveServer:
    def __init__(self, tmp_path: Path, static_root: Path) -> None:
        self.tmp_path = tmp_path
        self.static_root = static_root
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> str:
        """Start gunicorn over the data the test has made so far; its base URL."""
        var_dir = self.tmp_path / "var"
        var_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(self.tmp_path),
            "VAR_DIR": str(var_dir),
            "STATIC_ROOT": str(self.static_root),
            "PUBLIC_BASE_URL": self.url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "HTTPS": "off",
            "DEBUG": "off",
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        self.process = subprocess.Popen(  # noqa: S603 (this interpreter, loopback only)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--no-control-socket",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):  # noqa: S310
                    return self.url
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("gunicorn stopped before answering") from None
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 60 seconds")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
