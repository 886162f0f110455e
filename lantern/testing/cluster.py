"""Several Lantern instances as real processes, for the tests that show they work together.

A `Cluster` is a throwaway PostgreSQL database, one Redis database, a shared secret key and
VAR_DIR, and any number of app servers (gunicorn, as `scripts/run.sh` starts it) and task workers
(`manage.py db_worker`) started against them on loopback. Each process is a fresh Python: nothing
is shared between them but PostgreSQL and Redis, as between machines.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
# The Redis database these tests own and empty (others: 0 for people's runs, 7 for throttling).
REDIS_DATABASE = 9


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    database: str
    var_dir: Path
    email_port: int
    processes: list[subprocess.Popen] = field(default_factory=list)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))

    @property
    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
        env.update(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{self.database}",
            REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DATABASE}",
            EMAIL_URL=f"smtp://127.0.0.1:{self.email_port}",
            VAR_DIR=str(self.var_dir),
            STATIC_ROOT=str(self.var_dir / "static"),
            SECRET_KEY=self.secret_key,
            HTTPS="off",
            DEBUG="off",
            ALLOWED_HOSTS=HOST,
            PUBLIC_BASE_URL="http://127.0.0.1",
            DJANGO_SETTINGS_MODULE="config.settings",
        )
        return env

    def manage(self, *args: str, timeout: float = 300) -> str:
        """Run a management command in the cluster's environment; its output (fails loudly)."""
        result = subprocess.run(  # noqa: S603 (this checkout's manage.py)
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode:
            raise AssertionError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def start_app_server(self) -> int:
        """Start gunicorn (two workers) on a free loopback port; the port once it answers."""
        port = free_port()
        self._start(
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            "2",
            "--no-control-socket",
        )
        _wait_until_answering(port, self.processes[-1])
        return port

    def start_task_worker(self) -> subprocess.Popen:
        return self._start("manage.py", "db_worker", "--interval", "0.2")

    def _start(self, *args: str) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 (this checkout's own programs)
            [sys.executable, *args],
            cwd=ROOT,
            env=self.environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


def _wait_until_answering(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn on port {port} stopped before it answered")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer on {HOST}:{port} within {seconds:.0f}s")


def create_cluster(email_port: int) -> Cluster:
    """A new empty database and Redis database, migrated, with the demo data loaded."""
    database = f"lantern_cluster_{secrets.token_hex(4)}"
    with psycopg.connect(dbname="postgres", autocommit=True, **POSTGRES) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    redis.Redis(host=HOST, port=6379, db=REDIS_DATABASE).flushdb()
    cluster = Cluster(
        database=database,
        var_dir=Path(tempfile.mkdtemp(prefix="lantern-cluster-")),
        email_port=email_port,
    )
    cluster.manage("migrate", "--noinput")
    cluster.manage("createcachetable")
    cluster.manage("collectstatic", "--noinput")
    cluster.manage("load_demo")
    return cluster


def drop_cluster(cluster: Cluster) -> None:
    cluster.stop()
    with psycopg.connect(dbname="postgres", autocommit=True, **POSTGRES) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{cluster.database}" WITH (FORCE)')
