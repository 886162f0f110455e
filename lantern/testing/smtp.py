"""A real SMTP server for tests: the `smtp_server` fixture.

It runs aiosmtpd on 127.0.0.1 and a free port, points Django's SMTP email backend at it, and
keeps every message it receives, parsed, in `smtp_server.messages`. To test failures:
`smtp_server.stop()` closes the port (connection refused) and `smtp_server.start()` opens it
again on the same port; `smtp_server.refuse_temporarily = True` makes it answer every recipient
with "451 try again later" until set back to False.
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _CollectingHandler:
    def __init__(self, server: SmtpTestServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.server.refuse_temporarily:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.server.messages.append(message)
        return "250 Message accepted for delivery"


class SmtpTestServer:
    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.messages: list[EmailMessage] = []
        # (MAIL FROM, [RCPT TO, ...]) for each message, in the same order as `messages`.
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_temporarily = False
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        controller = Controller(
            _CollectingHandler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="localhost",
            ready_timeout=5,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is None:
            return
        self._controller.stop()
        self._controller = None


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpTestServer]:
    """A running SMTP server that Django sends to for the length of one test."""
    # aiosmtpd logs every SMTP command at INFO; a failing test's output is easier to read without.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    server = SmtpTestServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()
