"""The reading process: a file's batches read, validated and prepared ahead of the writes.

Reading and validating a row (parsing, the services' checks, password hashing, a new row's
prepared values) costs about as much as writing it, and needs no database. Where the platform
can fork, a worker process does it a few batches ahead while the importing process writes the
batches before; the database server works meanwhile, so the three share the machine's cores.

The worker never outlives the import: it dies with its parent (Linux's parent-death signal,
and a check of its parent on every hand-over), and right after the fork it closes its copy of
the parent's database socket, so that when the parent dies (even by SIGKILL) the server sees
the connection end and rolls the import's transaction back at once, releasing its locks.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
import traceback
from collections.abc import Iterator
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import connections

from core.errors import DomainError
from foundation.bulk.files import CellError, read_rows
from foundation.bulk.report import RowError

AHEAD = 4  # batches the worker may validate ahead of the writes (bounds its memory)
PR_SET_PDEATHSIG = 1


class WorkerFailed(Exception):  # noqa: N818 (the command's message)
    """The reading worker died or raised (its traceback is the message)."""


class Checked(NamedTuple):
    """A batch of the file, read and validated: its valid rows, its bad ones as (line,
    message), how many rows it had, and what the importer's `prepare` made of the valid rows
    (for `apply`; prepared in the reading process like the rows)."""

    valid: list
    bad: list[tuple[int, str]]
    count: int
    prepared: Any


def validated_batches(importer, stream, fmt: str, *, parallel: bool = True
                      ) -> Iterator[Checked]:
    """Every batch of the file, in order, checked; a file that cannot be read raises after
    the batches before it. In a forked worker if `parallel` and the platform forks, else in
    this process."""
    if not parallel or "fork" not in multiprocessing.get_all_start_methods():
        return _validate(importer, stream, fmt)
    return _from_worker(importer, stream, fmt)


def row_problem(error: Exception) -> str | None:
    """The message of an error that means "this row is bad", or None (a bug: raise it)."""
    if isinstance(error, RowError):
        return error.message
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, CellError):
        return str(error)
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "; ".join(f"{key}: {' '.join(messages)}"
                             for key, messages in error.message_dict.items())
        return "; ".join(error.messages)
    return None


def _validate(importer, stream, fmt: str) -> Iterator[Checked]:
    rows = read_rows(stream, fmt, on_header=importer.check_header)
    size = importer.batch_size
    while True:
        valid: list = []
        bad: list[tuple[int, str]] = []
        count = 0
        for line, row in rows:
            count += 1
            if isinstance(row, RowError):
                bad.append((line, row.message))
            else:
                try:
                    valid.append(importer.validate(line, row))
                except Exception as error:  # a bad row, or a bug (raised)
                    problem = row_problem(error)
                    if problem is None:
                        raise
                    bad.append((line, problem))
            if count >= size:
                break
        if not count:
            return
        prepared = importer.prepare(valid)
        yield Checked(list(map(importer.hand_over, valid)), bad, count, prepared)


def _from_worker(importer, stream, fmt: str) -> Iterator[Checked]:
    context = multiprocessing.get_context("fork")
    results = context.Queue(maxsize=AHEAD)
    worker = context.Process(target=_work, args=(importer, stream, fmt, results, os.getpid()),
                             daemon=True, name="tessera-import-reader")
    worker.start()
    try:
        while True:
            try:
                kind, *item = results.get(timeout=1)
            except queue.Empty:
                if not worker.is_alive():
                    raise WorkerFailed(f"the reading process ended ({worker.exitcode})") from None
                continue
            if kind == "batch":
                yield Checked(*item)
            elif kind == "unreadable":
                raise RowError(*item)
            elif kind == "undecodable":
                raise UnicodeDecodeError(item[0], b"", 0, 0, item[1])
            elif kind == "failed":
                raise WorkerFailed(item[0])
            else:
                return
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        results.close()
        results.cancel_join_thread()


def _work(importer, stream, fmt: str, results, parent: int) -> None:
    """The worker's body: every batch, then "end" (or "unreadable", or "failed")."""
    _detach_from(parent)
    try:
        for checked in _validate(importer, stream, fmt):
            _put(results, ("batch", *checked), parent)
        _put(results, ("end",), parent)
    except RowError as error:
        _put(results, ("unreadable", error.line, error.message), parent)
    except UnicodeDecodeError as error:
        _put(results, ("undecodable", error.encoding, error.reason), parent)
    except BaseException:  # reported to, and raised in, the importing process
        _put(results, ("failed", traceback.format_exc()), parent)
    results.close()
    results.join_thread()


def _detach_from(parent: int) -> None:
    """Die with the parent, leave its signals to it, and drop its database sockets."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importing process's
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    for connection in connections.all(initialized_only=True):
        raw = getattr(connection, "connection", None)
        descriptor = getattr(getattr(raw, "pgconn", None), "socket", None)
        if isinstance(descriptor, int) and descriptor >= 0:
            # the parent's socket stays open in the parent only: this process never uses the
            # connection, and were its client library ever to write to it (a goodbye on
            # garbage collection), the bytes would go to /dev/null, not to the server
            with contextlib.suppress(OSError), open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), descriptor)


def _put(results, item: tuple, parent: int) -> None:
    """Hand an item over; give up (and end) if the importing process is gone."""
    while True:
        try:
            results.put(item, timeout=1)
            return
        except queue.Full:
            if os.getppid() != parent:
                os._exit(1)
