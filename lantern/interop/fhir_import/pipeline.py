"""Import FHIR bundle files: read, validate on every core, write each bundle in one transaction.

Worker processes stream each bundle file and validate (with `fhir.resources`) and map a share of
its entries each; the main process resolves references and writes to the database. While one
bundle is written, the next is validated. A worker's mapped rows come back through a file of a
private temporary folder, read by the main process when it writes that bundle (see `_spool`).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection

from lantern.core.context import RequestContext, request_context

from .reader import BundleError, bundle_paths, check_bundle_header
from .report import FileFailure, ImportReport
from .worker import EntryOutcome, ShareResult, process_file_share
from .writer import write_bundle

DEFAULT_SOURCE_SYSTEM = "fhir-import"
# Bundles read ahead of the one being written, bounding memory whatever the number of files.
FILES_IN_FLIGHT = 4
# A bundle file from this size on is split between the workers (each validates every n-th entry
# of it) and its rows share their repeated texts, which bounds memory; a smaller one goes whole
# to one worker, so it is parsed once and the workers validate several bundles at a time.
LARGE_FILE_BYTES = 8 * 1024 * 1024


@dataclass
class FileJob:
    path: Path
    # Each share's result, or (from a worker process) the file it was spooled to.
    shares: list[Future[ShareResult | Path]] = field(default_factory=list)
    error: BundleError | None = None


def import_paths(
    paths: list[Path],
    *,
    source_system: str = DEFAULT_SOURCE_SYSTEM,
    workers: int | None = None,
    actor: Any = None,
) -> ImportReport:
    """Import every bundle file in `paths` (files or folders). Never raises for a bad file:
    failures are in the report, and the other files still import."""
    files = bundle_paths(paths)
    report = ImportReport(files=len(files))
    token = request_context.set(RequestContext(channel="import"))
    try:
        worker_count = _worker_count(workers, len(files))
        with _spool(worker_count) as spool, _executor(worker_count) as executor:
            in_flight: deque[FileJob] = deque()
            for path in files:
                in_flight.append(_start(path, executor, worker_count, spool))
                if len(in_flight) >= FILES_IN_FLIGHT:
                    _finish(in_flight.popleft(), report, source_system, actor)
            while in_flight:
                _finish(in_flight.popleft(), report, source_system, actor)
    finally:
        request_context.reset(token)
    return report


def _start(path: Path, executor: Executor, shares: int, spool: Path | None) -> FileJob:
    job = FileJob(path)
    try:
        check_bundle_header(path)
        large = path.stat().st_size >= LARGE_FILE_BYTES
        shares = shares if large else 1
        job.shares = [
            executor.submit(process_file_share, path, share, shares, large)
            if spool is None
            else executor.submit(_spooled_share, path, share, shares, large, spool)
            for share in range(shares)
        ]
    except BundleError as error:
        job.error = error
    except OSError as error:
        job.error = BundleError(f"cannot read the file: {error.strerror or error}")
    return job


def _finish(job: FileJob, report: ImportReport, source_system: str, actor: Any) -> None:
    try:
        if job.error is not None:
            raise job.error
        results = [_share_result(share.result()) for share in job.shares]
        errors = [result.error for result in results if result.error is not None]
        if errors:
            raise min(errors, key=lambda error: error.entry_index or 0)
        outcomes: list[EntryOutcome] = sorted(
            (outcome for result in results for outcome in result.outcomes),
            key=lambda outcome: outcome.index,
        )
        counts = write_bundle(source_system=source_system, outcomes=outcomes, actor=actor)
    except BundleError as error:
        report.failed.append(FileFailure(job.path, error.reason, error.entry_index))
    except DatabaseError as error:
        # The transaction rolled back; say what the database refused so an operator can act.
        report.failed.append(
            FileFailure(job.path, f"the database refused the bundle: {_database_reason(error)}")
        )
    else:
        report.add_bundle(counts)


def _database_reason(error: DatabaseError) -> str:
    """The first line of the database's message, without the value it quotes: PostgreSQL's
    messages end with it after a colon (`invalid input syntax for type integer: "..."`), where
    SQLite's name the column or constraint."""
    reason = (str(error).strip().splitlines() or ["unknown error"])[0]
    if connection.vendor == "postgresql":
        reason = reason.partition(": ")[0]
    return reason


def _worker_count(requested: int | None, file_count: int) -> int:
    count = requested if requested is not None else settings.IMPORT_WORKERS
    if count <= 0:
        count = os.cpu_count() or 1
    return 1 if file_count == 0 else count


@contextmanager
def _spool(workers: int) -> Iterator[Path | None]:
    """A private temporary folder (mode 0700, removed at the end) for the workers' results, or
    None when the import runs in this process.

    A worker's rows for a 100 MB bundle pickle to about 10 MB. Sent back as the future's result,
    they would arrive whole in one buffer and be unpickled by the executor's result thread (into
    a malloc arena of its own) as soon as they come, for every bundle in flight: tens of MB more
    at the peak. From a file, the main process unpickles them a frame at a time, only when it
    writes that bundle, and deletes the file at once.
    """
    if workers == 1:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="lantern-import-") as folder:
        yield Path(folder)


def _spooled_share(path: Path, share: int, shares: int, large: bool, spool: Path) -> Path:
    """In a worker process: `process_file_share`, its result written to a file in `spool`."""
    result = process_file_share(path, share, shares, large)
    with tempfile.NamedTemporaryFile(dir=spool, suffix=".pickle", delete=False) as file:
        pickle.dump(result, file, protocol=pickle.HIGHEST_PROTOCOL)
    return Path(file.name)


def _share_result(outcome: ShareResult | Path) -> ShareResult:
    """A share's result, read back (and its file deleted) if it was spooled."""
    if isinstance(outcome, ShareResult):
        return outcome
    try:
        with outcome.open("rb") as file:
            return pickle.load(file)  # noqa: S301 - written by this import's workers, in a 0700 folder
    finally:
        outcome.unlink()


class InlineExecutor(Executor):
    """Runs each task at once in this process (one worker: no processes to start)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


@contextmanager
def _executor(workers: int) -> Iterator[Executor]:
    if workers == 1:
        yield InlineExecutor()
        return
    # Fork, so workers start at once with the parent's loaded modules; they never touch the
    # parent's database connection (the worker code is pure).
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        yield executor
