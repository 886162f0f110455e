"""python manage.py hl7_listen --host HOST --port PORT [--idle-timeout SECONDS]"""

from __future__ import annotations

import asyncio
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.hl7v2.listener import Listener


class Command(BaseCommand):
    help = (
        "Receive HL7 v2 messages over MLLP and answer each with an ACK once it is stored and "
        "processed. Runs until stopped (SIGTERM or Ctrl-C). Run one process per interface."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, required=True, help="TCP port (1-65535).")
        parser.add_argument(
            "--idle-timeout",
            type=float,
            default=None,
            help="Seconds a connection may stay silent before it is closed "
            "(default: HL7V2_IDLE_TIMEOUT).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"]
        if port == 0:
            raise CommandError(
                "--port 0 would listen on a random port no sender knows; give the port the "
                "sending systems are configured for (for example --port 2575)."
            )
        if not 0 < port < 65536:
            raise CommandError(f"--port {port} is not a TCP port; use 1-65535.")
        idle_timeout = options["idle_timeout"] or settings.HL7V2_IDLE_TIMEOUT
        if idle_timeout <= 0:
            raise CommandError("--idle-timeout must be more than 0 seconds.")
        listener = Listener(host=options["host"], port=port, idle_timeout=idle_timeout)

        def ready(addresses: str) -> None:
            self.stdout.write(f"Listening for HL7 v2 (MLLP) on {addresses}", ending="\n")
            self.stdout.flush()

        try:
            asyncio.run(listener.serve(ready=ready))
        except OSError as error:
            raise CommandError(
                f"Cannot listen on {options['host']}:{port}: {error.strerror}"
            ) from error
