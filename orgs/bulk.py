"""The driver of the import commands: stream, validate, upsert in batches, report, roll back.

The whole import runs in one transaction under one audit context. By default any bad row
aborts it (every bad line is still reported); `skip_bad_rows` writes the good rows only;
`dry_run` validates and applies, then rolls everything back.

Reading and validating a row (parsing, the API's checks, password hashing, a new row's
prepared values) costs as much as writing it, and needs no database. Where the platform can
fork, a worker process does it a few batches ahead while this process writes the batches
before; the database server works in the meantime too, so the three use the machine's cores
together. The worker never touches the database connection it inherits.
"""

from __future__ import annotations

import copy
import multiprocessing
import queue
import sys
import traceback
from collections.abc import Iterator
from typing import Any, NamedTuple

from django.db import transaction
from tqdm import tqdm

from audit import context as scope
from audit.services import audited
from orgs.rows import RowError, batches, detect_format, has_descriptor, open_input, read_rows

MAX_REPORTED = 100
AHEAD = 4  # batches the worker may validate ahead of the writes (bounds its memory)


class ImportFailed(Exception):  # noqa: N818 (the command's message)
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors[:MAX_REPORTED]))
        self.errors = errors


class WorkerFailed(Exception):  # noqa: N818
    """The reading worker died or raised (its traceback is the message)."""


class Checked(NamedTuple):
    """A batch of the file, read and validated: its valid rows, the messages of its bad
    ones, how many rows it had, and what the importer's `prepare` made of the valid rows
    (for `apply`; prepared in the reading process like the rows)."""

    valid: list
    bad: list[str]
    count: int
    prepared: Any


def run_import(importer, path: str, *, fmt: str | None, dry_run: bool, command: str,
               progress_stream=None, parallel: bool = True):
    """Import the file at `path` (`-` for stdin); returns the importer's report."""
    errors: list[str] = []
    applying = True
    stream = open_input(path)
    descriptor = has_descriptor(stream)
    owned = path != "-" or descriptor  # not a wrapper of sys.stdin's own buffer
    checked = validated_batches(importer, stream, detect_format(path, fmt),
                                parallel=parallel and descriptor)
    show = (progress_stream or sys.stderr)
    bar = tqdm(unit=" rows", file=show, disable=not show.isatty(), desc=command)
    try:
        with scope.for_command(command), transaction.atomic(), audited():
            try:
                for batch in checked:
                    errors.extend(batch.bad)
                    if errors and not importer.skip_bad_rows:
                        applying = False
                    if applying:
                        applying = _apply(importer, batch.valid, batch.prepared, errors)
                    bar.update(batch.count)
            except RowError as error:  # the file itself is malformed
                errors.append(str(error))
            if errors and not importer.skip_bad_rows:
                raise ImportFailed(errors)
            if dry_run:
                transaction.set_rollback(True)
    finally:
        checked.close()
        bar.close()
        if owned:
            stream.close()
    importer.report.errors = errors
    return importer.report


def validated_batches(importer, stream, fmt: str, *, parallel: bool = True
                      ) -> Iterator[Checked]:
    """Every batch of the file, in order, checked; a malformed file raises RowError after
    the batches before it. In a forked worker if `parallel` and the platform forks (the
    worker reads its copy of `stream`, which needs a descriptor of its own), else in this
    process."""
    if not parallel or "fork" not in multiprocessing.get_all_start_methods():
        return _validate(importer, stream, fmt)
    return _from_worker(importer, stream, fmt)


def _validate(importer, stream, fmt: str) -> Iterator[Checked]:
    for batch in batches(read_rows(stream, fmt)):
        valid, bad = [], []
        for line, row in batch:
            try:
                valid.append(importer.validate(line, row))
            except RowError as error:
                bad.append(str(error))
        yield Checked(valid, bad, len(batch), importer.prepare(valid))


def _from_worker(importer, stream, fmt: str) -> Iterator[Checked]:
    context = multiprocessing.get_context("fork")
    results = context.Queue(maxsize=AHEAD)
    worker = context.Process(target=_work, args=(importer, stream, fmt, results), daemon=True,
                             name="tessera-import-reader")
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
            elif kind == "malformed":
                raise RowError(*item)
            elif kind == "failed":
                raise WorkerFailed(item[0])
            else:
                return
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        results.close()


def _work(importer, stream, fmt: str, results) -> None:
    """The worker's body: every batch, then "end" (or "malformed", or "failed")."""
    try:
        for checked in _validate(importer, stream, fmt):
            results.put(("batch", *checked))
        results.put(("end",))
    except RowError as error:
        results.put(("malformed", error.line, error.message))
    except BaseException:  # reported to, and raised in, the importing process
        results.put(("failed", traceback.format_exc()))
    results.close()
    results.join_thread()


def _apply(importer, valid: list, prepared, errors: list[str]) -> bool:
    """Apply a batch in a savepoint; with skip_bad_rows, retry without a row that fails
    (`prepared` stays as it was: `apply` takes from it what its rows need)."""
    while valid:
        saved = copy.copy(importer.report)
        try:
            with transaction.atomic():
                importer.apply(valid, prepared)
            return True
        except RowError as error:
            importer.report = saved
            errors.append(str(error))
            if not importer.skip_bad_rows:
                return False
            valid = [v for v in valid if v.line != error.line]
    return True
