"""The listener as a real process on a free loopback port, and an MLLP client for it.

The listener process needs the test database: on PostgreSQL it connects to the test database
itself (the tests use `transactional_db`, so what they create is committed and what the listener
writes is flushed afterwards); on SQLite the test database lives in memory, so it is copied to a
file (SQLite's backup API, milliseconds) that the listener opens, and the tests read that file.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

START_BLOCK, END_BLOCK = b"\x0b", b"\x1c\r"
MANAGE = Path(settings.BASE_DIR) / "manage.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MLLPClient:
    """A plain socket that frames messages and reads whole ACKs (however the bytes arrive)."""

    def __init__(self, port: int, timeout: float = 30) -> None:
        self.address = ("127.0.0.1", port)
        self.timeout = timeout
        self.socket = socket.create_connection(self.address, timeout=timeout)
        self.buffer = b""

    def send(self, raw: bytes) -> None:
        self.socket.sendall(START_BLOCK + raw + END_BLOCK)

    def read_ack(self) -> bytes:
        while END_BLOCK not in self.buffer:
            chunk = self.socket.recv(65536)
            if not chunk:
                raise ConnectionError("the listener closed the connection")
            self.buffer += chunk
        block, self.buffer = self.buffer.split(END_BLOCK, 1)
        assert block.startswith(START_BLOCK)
        return block[1:]

    def exchange(self, raw: bytes) -> bytes:
        self.send(raw)
        return self.read_ack()

    def exchange_as_a_sender_does(self, raw: bytes, attempts: int = 5) -> bytes:
        """Send until answered: a sender whose connection is closed without an ACK (the
        listener could not reach the database) reconnects and sends the message again."""
        for _ in range(attempts - 1):
            try:
                return self.exchange(raw)
            except (ConnectionError, OSError):
                self.socket.close()
                self.socket = socket.create_connection(self.address, timeout=self.timeout)
                self.buffer = b""
        return self.exchange(raw)

    def close(self) -> None:
        self.socket.close()


class ListenerDatabase:
    """Where the listener process keeps its data, and how the test reads it back."""

    def __init__(self, tmp_path: Path) -> None:
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.path = tmp_path / "listener.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            db = connection.settings_dict
            password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
            self.url = (
                f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            )

    def share(self) -> None:
        """Make what the test created visible to the listener process."""
        if self.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(self.path)
            with target:
                connection.connection.backup(target)
            target.close()

    def rows(self, sql: str) -> list[tuple]:
        if self.vendor == "sqlite":
            with contextlib.closing(sqlite3.connect(self.path)) as db:
                return db.execute(sql).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()


class ListenerProcess:
    def __init__(self, database: ListenerDatabase, tmp_path: Path) -> None:
        self.database = database
        self.tmp_path = tmp_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self, *extra: str) -> ListenerProcess:
        env = {**os.environ, "DATABASE_URL": self.database.url, "LOG_LEVEL": "WARNING"}
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.process = subprocess.Popen(  # noqa: S603 (our own command, fixed arguments)
            [sys.executable, str(MANAGE), "hl7_listen", "--port", str(self.port), *extra],
            env=env,
            stdout=subprocess.PIPE,
            stderr=open(self.tmp_path / "listener.err", "ab"),  # noqa: SIM115
            cwd=MANAGE.parent,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        if "Listening" not in line:
            self.process.wait(5)
            raise AssertionError((self.tmp_path / "listener.err").read_text())
        return self

    def kill(self) -> None:
        """Kill -9: no clean shutdown, as when the machine or the process dies."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()

    def client(self) -> MLLPClient:
        return MLLPClient(self.port)


@pytest.fixture
def listener_database(transactional_db, tmp_path) -> ListenerDatabase:
    return ListenerDatabase(tmp_path)


@pytest.fixture
def listener(listener_database, tmp_path) -> Iterator[ListenerProcess]:
    """A listener process (not started: call `.start()` after creating the test's data)."""
    process = ListenerProcess(listener_database, tmp_path)
    yield process
    process.stop()


def wait_until(predicate, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def _hl7v2_clinic_cache_empty() -> Iterator[None]:
    """Each test starts without the clinic resolutions an earlier test's messages cached."""
    from lantern.hl7v2.handlers.patients import clinic_cache_clear

    clinic_cache_clear()
    yield
    clinic_cache_clear()
