"""The MLLP listener: python-hl7's asyncio server, one connection kept open per sender.

Each connection reads MLLP blocks one after another (a sender may send thousands on one
connection) and answers each with an MLLP-framed ACK once the message is stored, processed and
committed (`services.messages_receive`). A connection silent for `idle_timeout` seconds is
closed: a sender behind a VPN or firewall that dropped it half-open would otherwise hold it for
ever.

The ORM is synchronous, so messages are stored and processed in worker threads, each with its
own database connection. A connection's messages are taken in the order they came, one group at
a time: the group is the next block and every further whole block the sender has already sent
(a sender that waits for each ACK sends one at a time, so its groups are of one; one that
pipelines has several in the buffer), at most GROUP_LIMIT. A group is stored and processed in
one transaction, each message in its own savepoint, and committed once (group commit: one disk
flush for the group); then its ACKs are written in order, and the next group is read. Messages
of different connections are processed at once (`workers`; on PostgreSQL their commits then
share the disk flushes; SQLite writes one transaction at a time, so there it is one worker). If
the database cannot be reached a message is not acknowledged and the connection is closed (the
ACKs of the messages committed before it are sent first); the sender resends it later (nothing
of it was stored).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connection
from hl7.mllp import HL7StreamReader, HL7StreamWriter, InvalidBlockError, start_hl7_server

from lantern.core.context import RequestContext, request_context
from lantern.hl7v2.models import MessageSource
from lantern.hl7v2.services import Batch, messages_receive

logger = logging.getLogger(__name__)

# The largest MLLP block accepted (bytes); a result with embedded documents can be large.
BLOCK_LIMIT = 16 * 1024 * 1024
# Messages of different connections processed at once on PostgreSQL (one database connection each).
DEFAULT_WORKERS = 4
# The most messages of one connection stored and processed in one transaction.
GROUP_LIMIT = 50
BLOCK_END = b"\x1c\r"


def _block_waiting(reader: HL7StreamReader) -> bool:
    """Whether a whole MLLP block is already in the reader's buffer (read without waiting).

    asyncio's StreamReader has no public peek; python-hl7's `readblock` reads the same buffer."""
    return BLOCK_END in getattr(reader, "_buffer", b"")


def _worker_context() -> None:
    # Audit events written while applying messages say they came in through an import channel.
    request_context.set(RequestContext(channel="import"))


class Listener:
    def __init__(
        self, *, host: str, port: int, idle_timeout: float, workers: int | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.idle_timeout = idle_timeout
        if workers is None:
            workers = 1 if connection.vendor == "sqlite" else DEFAULT_WORKERS
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="hl7-worker", initializer=_worker_context
        )
        self._connections: set[asyncio.Task] = set()

    def _receive(self, blocks: list[bytes]) -> Batch:
        close_old_connections()
        return messages_receive(blocks, source=MessageSource.LISTENER)

    async def _read_group(self, reader: HL7StreamReader, peer) -> list[bytes]:
        """The next block (waiting up to the idle timeout), then the whole blocks already sent."""
        blocks: list[bytes] = []
        while not blocks or (len(blocks) < GROUP_LIMIT and _block_waiting(reader)):
            try:
                if blocks:
                    block = await reader.readblock()
                else:
                    block = await asyncio.wait_for(reader.readblock(), self.idle_timeout)
            except InvalidBlockError:
                # Bytes outside an MLLP block: nothing to acknowledge; read the next block.
                logger.warning("HL7 connection from %s sent bytes outside a block", peer)
                continue
            except ValueError:
                logger.warning("HL7 block from %s over %s bytes, dropped", peer, BLOCK_LIMIT)
                continue
            blocks.append(block)
        return blocks

    async def _handle(self, reader: HL7StreamReader, writer: HL7StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        peer = writer.get_extra_info("peername")
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    blocks = await self._read_group(reader, peer)
                except TimeoutError:
                    logger.info("HL7 connection from %s idle, closed", peer)
                    return
                except asyncio.IncompleteReadError:
                    return  # The sender closed the connection.
                try:
                    batch = await loop.run_in_executor(self._executor, self._receive, blocks)
                except Exception as error:
                    batch = Batch([], error)
                # Only committed messages are answered, in the order they came.
                for received in batch.received:
                    writer.writeblock(received.ack)
                await writer.drain()
                if batch.error is not None:
                    # Not stored or not answerable (the database is away): no ACK, so the
                    # sender keeps the message (and those after it) and sends it again.
                    logger.error(
                        "HL7 message from %s not stored: %s", peer, type(batch.error).__name__
                    )
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def serve(self, ready: Callable[[str], None] | None = None) -> None:
        loop = asyncio.get_running_loop()
        server = await start_hl7_server(self._handle, self.host, self.port, limit=BLOCK_LIMIT)
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        async with server:
            if ready is not None:
                names = ", ".join(
                    f"{s.getsockname()[0]}:{s.getsockname()[1]}" for s in server.sockets
                )
                ready(names)
            await stop.wait()
            # Stop taking connections. A message already in the worker is still stored and
            # processed; its ACK may not go out, and the sender's resend is answered from it.
            server.close()
            for task in list(self._connections):
                task.cancel()
        self._executor.shutdown(wait=True)
