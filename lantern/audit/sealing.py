"""The hash chain over the audit trail: seals written in batches, and their verification.

A seal covers the committed events after the previous seal, in id order. Its `chain_hash` is an
HMAC-SHA256 (key: settings.AUDIT_SEAL_KEY) of the previous seal's hash followed by a canonical
serialization of each event, so changing, deleting or adding an event inside a sealed range, or
removing or changing a seal, breaks the chain, and without the key no one can forge a new one.
Each seal also lists its events' ids with a short HMAC of each, so verification names the event.

Page views only insert events; they never wait for the sealer. One sealer runs at a time: on
PostgreSQL it takes a transaction-level advisory lock and gives up at once if another holds it;
on SQLite, Lantern's IMMEDIATE transactions already serialize writers, and a batch is short.

Events are sealed only once they are AUDIT_SEAL_SETTLE_SECONDS old: ids are handed out at INSERT
but rows become visible at COMMIT, so an event of a transaction still open could have a lower id
than events already committed. Sealing stops at the first event, in id order, that is too recent,
and the delay must exceed the longest transaction that writes events (they are written just
before commit, imports included).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import AuditEvent, AuditSeal

# Events per seal: a batch is read, hashed and written in one short transaction.
SEAL_BATCH_SIZE = 1000
# The "previous hash" of the first seal.
GENESIS_HASH = "0" * 64
# Hex digits kept of each event's own HMAC: enough to tell which event changed.
EVENT_DIGEST_LENGTH = 16
# The key of PostgreSQL's advisory lock for sealing (any fixed bigint; this one spells "LANTERN").
SEALING_LOCK_ID = 0x4C414E5445524E
# Used only when AUDIT_SEAL_KEY is empty, to derive the key from SECRET_KEY. Never change it:
# the existing chain would no longer verify.
DERIVED_KEY_SALT = "lantern.audit.sealing.key"

# The fields sealed, in the order of `values_list`; the serialization names them.
SEALED_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_label",
    "actor_role",
    "subject_id",
    "patient_id",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "channel",
    "ip_address",
    "user_agent",
)

EventRow = Sequence[Any]


def seal_key() -> bytes:
    """The HMAC key: AUDIT_SEAL_KEY, or one derived from SECRET_KEY when that is empty."""
    if settings.AUDIT_SEAL_KEY:
        return settings.AUDIT_SEAL_KEY.encode()
    return salted_hmac(DERIVED_KEY_SALT, "audit seal key", algorithm="sha256").digest()


def event_serialize(row: EventRow) -> bytes:
    """One event as canonical JSON: sorted keys, UTC time to the microsecond, ids as text."""
    values = dict(zip(SEALED_FIELDS, row, strict=True))
    values["occurred_at"] = (
        values["occurred_at"].astimezone(dt.UTC).isoformat(timespec="microseconds")
    )
    if values["patient_id"] is not None:
        values["patient_id"] = str(values["patient_id"])
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def event_digest(key: bytes, serialized: bytes) -> str:
    return hmac.new(key, serialized, hashlib.sha256).hexdigest()[:EVENT_DIGEST_LENGTH]


def chain_hash(key: bytes, previous_hash: str, serialized_events: Iterable[bytes]) -> str:
    mac = hmac.new(key, previous_hash.encode("ascii"), hashlib.sha256)
    for serialized in serialized_events:
        # JSON with ensure_ascii holds no raw newline, so the separator cannot be forged.
        mac.update(b"\n")
        mac.update(serialized)
    return mac.hexdigest()


def _event_rows(**filters: Any) -> list[EventRow]:
    return list(AuditEvent.objects.filter(**filters).order_by("id").values_list(*SEALED_FIELDS))


# Sealing.


@dataclass
class SealingRun:
    seals: list[AuditSeal] = field(default_factory=list)
    # Another sealer held the lock, so this run sealed nothing more.
    busy: bool = False

    @property
    def event_count(self) -> int:
        return sum(seal.event_count for seal in self.seals)


def audit_trail_seal(
    *, settle: dt.timedelta | None = None, batch_size: int = SEAL_BATCH_SIZE
) -> SealingRun:
    """Seal every settled event after the last seal, one batch per transaction."""
    if settle is None:
        settle = dt.timedelta(seconds=settings.AUDIT_SEAL_SETTLE_SECONDS)
    key = seal_key()
    cutoff = timezone.now() - settle
    run = SealingRun()
    while True:
        with transaction.atomic():
            if not _sealing_lock_taken():
                run.busy = True
                return run
            seal = _seal_next_batch(key, cutoff, batch_size)
        if seal is None:
            return run
        run.seals.append(seal)


def _sealing_lock_taken() -> bool:
    if connection.vendor != "postgresql":
        # SQLite: the IMMEDIATE transaction already holds the database's write lock.
        return True
    with connection.cursor() as cursor:
        # Released at commit; never waits, so two sealers never queue and no page view is held.
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALING_LOCK_ID])
        return bool(cursor.fetchone()[0])


def _seal_next_batch(key: bytes, cutoff: dt.datetime, batch_size: int) -> AuditSeal | None:
    last = AuditSeal.objects.order_by("-number").first()
    after_id = last.last_event_id if last else 0
    rows = list(
        AuditEvent.objects.filter(id__gt=after_id)
        .order_by("id")
        .values_list(*SEALED_FIELDS)[:batch_size]
    )
    # Stop at the first event that is too recent, even if later ids are older: one with a lower
    # id may still be uncommitted, and sealing past it would lock it out of the chain.
    settled = list(itertools.takewhile(lambda row: row[1] < cutoff, rows))
    if not settled:
        return None
    serialized = [event_serialize(row) for row in settled]
    previous_hash = last.chain_hash if last else GENESIS_HASH
    return AuditSeal.objects.create(
        number=(last.number + 1) if last else 1,
        first_event_id=settled[0][0],
        last_event_id=settled[-1][0],
        event_count=len(settled),
        previous_hash=previous_hash,
        chain_hash=chain_hash(key, previous_hash, serialized),
        event_digests="\n".join(
            f"{row[0]} {event_digest(key, data)}"
            for row, data in zip(settled, serialized, strict=True)
        ),
    )


# Verification.


@dataclass(frozen=True)
class AuditProblem:
    message: str
    seal_number: int | None = None
    event_id: int | None = None


@dataclass
class AuditVerification:
    problems: list[AuditProblem] = field(default_factory=list)
    seal_count: int = 0
    event_count: int = 0
    head: AuditSeal | None = None
    unsealed_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_trail_verify(
    *, unsealed_limit: dt.timedelta = dt.timedelta(days=1), expected_hashes: Iterable[str] = ()
) -> AuditVerification:
    """Recompute the chain from seal 1 and list every way the trail differs from it.

    Also a problem: events left unsealed for longer than `unsealed_limit` (sealing stopped), and
    an `expected_hashes` entry (a head hash recorded earlier, elsewhere) that is not in the
    chain, which is how removing the last seals and their events shows.
    """
    key = seal_key()
    report = AuditVerification()
    chain_hashes: set[str] = set()
    previous: AuditSeal | None = None
    covered_up_to = 0
    for seal in AuditSeal.objects.order_by("number").iterator(chunk_size=200):
        report.problems.extend(_link_problems(seal, previous, covered_up_to))
        rows = _event_rows(id__gt=covered_up_to, id__lte=seal.last_event_id)
        outside = [row for row in rows if row[0] < seal.first_event_id]
        inside = [row for row in rows if row[0] >= seal.first_event_id]
        report.problems.extend(
            AuditProblem(
                f"Event {row[0]} is in no seal: it lies before seal {seal.number}'s range "
                f"({seal.first_event_id}-{seal.last_event_id}), so it was added after sealing.",
                seal_number=seal.number,
                event_id=row[0],
            )
            for row in outside
        )
        report.problems.extend(_seal_problems(key, seal, inside))
        report.seal_count += 1
        report.event_count += len(inside)
        chain_hashes.add(seal.chain_hash)
        covered_up_to = max(covered_up_to, seal.last_event_id)
        previous = seal
    report.head = previous

    unsealed = AuditEvent.objects.filter(id__gt=covered_up_to).aggregate(oldest=Min("occurred_at"))
    report.unsealed_count = AuditEvent.objects.filter(id__gt=covered_up_to).count()
    oldest = unsealed["oldest"]
    if oldest is not None and oldest < timezone.now() - unsealed_limit:
        report.problems.append(
            AuditProblem(
                f"{report.unsealed_count} events after the last seal are not sealed, the oldest "
                f"from {oldest.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC: sealing has stopped "
                "(run `manage.py seal_audit`, and schedule it), or seals were removed."
            )
        )
    for expected in expected_hashes:
        if expected not in chain_hashes:
            report.problems.append(
                AuditProblem(
                    f"The recorded hash {expected} is not in the chain: seals were removed or "
                    "rewritten since it was recorded."
                )
            )
    return report


def _link_problems(
    seal: AuditSeal, previous: AuditSeal | None, covered_up_to: int
) -> list[AuditProblem]:
    problems = []
    expected_number = previous.number + 1 if previous else 1
    if seal.number != expected_number:
        missing = (
            f"Seal {expected_number} is missing"
            if seal.number == expected_number + 1
            else f"Seals {expected_number}-{seal.number - 1} are missing"
        )
        problems.append(AuditProblem(f"{missing} (deleted).", seal_number=expected_number))
    expected_previous = previous.chain_hash if previous else GENESIS_HASH
    if seal.previous_hash != expected_previous:
        before = f"seal {previous.number}'s hash" if previous else "the start of the chain"
        problems.append(
            AuditProblem(
                f"Seal {seal.number} does not follow on from {before}.", seal_number=seal.number
            )
        )
    if seal.first_event_id <= covered_up_to:
        problems.append(
            AuditProblem(
                f"Seal {seal.number} covers events already covered by an earlier seal.",
                seal_number=seal.number,
            )
        )
    return problems


def _seal_problems(key: bytes, seal: AuditSeal, rows: list[EventRow]) -> list[AuditProblem]:
    serialized = [event_serialize(row) for row in rows]
    problems = []
    if len(rows) != seal.event_count:
        problems.append(
            AuditProblem(
                f"Seal {seal.number} sealed {seal.event_count} events; its range now holds "
                f"{len(rows)}.",
                seal_number=seal.number,
            )
        )
    if chain_hash(key, seal.previous_hash, serialized) == seal.chain_hash:
        return problems

    recorded = _recorded_digests(seal)
    actual = {row[0]: event_digest(key, data) for row, data in zip(rows, serialized, strict=True)}
    deleted = sorted(recorded.keys() - actual.keys())
    added = sorted(actual.keys() - recorded.keys())
    changed = [
        event_id
        for event_id in sorted(recorded.keys() & actual.keys())
        if recorded[event_id] != actual[event_id]
    ]
    located = [
        AuditProblem(f"Seal {seal.number}: event {event_id} was {what}.", seal.number, event_id)
        for what, event_ids in (
            ("deleted", deleted),
            ("added after sealing", added),
            ("changed", changed),
        )
        for event_id in event_ids
    ]
    if not located:
        located = [
            AuditProblem(
                f"Seal {seal.number}'s hash does not match its events: the seal was changed.",
                seal_number=seal.number,
            )
        ]
    return problems + located


def _recorded_digests(seal: AuditSeal) -> dict[int, str]:
    digests = {}
    for line in seal.event_digests.splitlines():
        event_id, _, digest = line.partition(" ")
        if event_id.isdigit():
            digests[int(event_id)] = digest
    return digests
