"""The import protocol and its driver.

An app's importer says what a row means and how a batch is written:

    validate(line, row) -> a valid row   pure: no database (it runs in the reading process)
    prepare(rows) -> anything            pure: what apply will want, made ahead (optional)
    hand_over(row) -> what apply gets    of each valid row (optional; default: the row): an
                                         importer whose rows are costly to send sends less;
                                         it keeps the row's line (a `line` attribute, or first)
    apply(rows, prepared)                the writes of one batch, through the app's bulk
                                         services; a bad row raises RowError (RowErrors for
                                         several, found before anything is written)

A `DocumentImporter` reads one document, a tree (a tenant's back-office catalog), rather
than rows: `read` it whole (no database), then `apply` it whole, all or nothing; each raises
`DocumentRefused` with every error it finds (`run_document_import` drives it). The command,
its flags and its report are the same (foundation.bulk.command.ImportCommand).

`run_import` drives it: the whole file in one transaction under one audit context and one
correlation id; each batch applied in a savepoint, and a batch that refuses rows retried
without them, so every bad row of the file is found and reported, whichever step finds it. By
default any bad row then rolls the whole import back; with `skip_bad_rows` the good rows stay
written; `dry_run` applies everything, then rolls it back.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from tqdm import tqdm

from audit import context as scope
from audit.services import audited
from foundation.bulk.files import FORMATS, Input, detect_format, open_input
from foundation.bulk.report import Report, RowError, RowErrors
from foundation.bulk.worker import validated_batches
from foundation.bulk.write import tables_written


class ImportFailed(Exception):  # noqa: N818 (the command's message)
    """Bad rows, and no `skip_bad_rows`: nothing was written."""

    def __init__(self, report: Report):
        super().__init__(report.summary())
        self.report = report


class ImportInterrupted(BaseException):
    """A signal stopped the import (raised where the import runs; it rolls back)."""


class DocumentRefused(Exception):  # noqa: N818 (the command's message)
    """A document that cannot be imported: every error found (each `place: message`)."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


class FileRefused(Exception):  # noqa: N818 (the command's message)
    """A file refused as a whole before it is parsed (one line: say, too large)."""


class Importer:
    """The base of every app's importer (see the module's docstring)."""

    name = ""  # the command is import_<name>
    batch_size = 2000
    formats: tuple[str, ...] = FORMATS
    problems = "bad row(s)"  # what the refusal counts: "nothing imported: N bad row(s)."
    batch_size_help = ""  # --batch-size's help (default: rows per batch)

    @staticmethod
    def format_of(path: str, given: str | None) -> str:
        """The file's format: --format, else from its name."""
        return detect_format(path, given)

    def __init__(self, *, skip_bad_rows: bool = False, batch_size: int | None = None):
        self.skip_bad_rows = skip_bad_rows
        self.batch_size = batch_size or self.batch_size
        self.format = "csv"  # set before reading: a CSV cell is text, an NDJSON value typed
        self.report = Report()

    def check_header(self, header: Sequence[str]) -> None:
        """Refuse a CSV header (raise RowError on line 1); any header by default."""

    def validate(self, line: int, row: dict) -> Any:
        raise NotImplementedError

    def prepare(self, rows: list) -> Any:
        return None

    def hand_over(self, row: Any) -> Any:
        """What the importing process gets of a valid row: with its line, as a `line`
        attribute or as its first item."""
        return row

    def apply(self, rows: list, prepared: Any) -> None:
        raise NotImplementedError


def run_import(importer: Importer, path: str, *, fmt: str | None = None,
               encoding: str = "utf-8", dry_run: bool = False, progress_stream=None,
               parallel: bool = True) -> Report:
    """Import the file at `path` (`-` for stdin); the importer's report says what was done.
    Raises ImportFailed (bad rows, nothing written), WorkerFailed, OSError."""
    report = importer.report
    importer.format = importer.format_of(path, fmt)
    source = open_input(path, encoding)
    checked = validated_batches(importer, source.stream, importer.format,
                                parallel=parallel and source.has_descriptor())
    shown = progress_stream or sys.stderr
    bar = tqdm(unit=" rows", file=shown, disable=not shown.isatty(),
               desc=f"import_{importer.name}")
    try:
        with (scope.for_command(f"import_{importer.name}"), tables_written() as tables,
              transaction.atomic(), audited()):
            try:
                for batch in checked:
                    report.rows += batch.count
                    for line, message in batch.bad:
                        report.error(line, message)
                    _apply(importer, batch.valid, batch.prepared)
                    bar.update(batch.count)
            except RowError as error:  # the file itself cannot be read on
                report.error(error.line, error.message)
            if report.invalid and not importer.skip_bad_rows:
                raise ImportFailed(report)
            if dry_run:
                transaction.set_rollback(True)
            report.written = not dry_run
    finally:
        checked.close()
        bar.close()
        source.close()
    if report.written and report.created + report.updated >= settings.BULK_ANALYZE_ROWS:
        analyze(tables)
    return report


class DocumentImporter:
    """An import of one document (see the module's docstring): the same command and report
    as the row imports; `--skip-bad-rows` is refused (a document is written whole), and
    `--batch-size` is what the importer makes of it (`batch_size_help`)."""

    name = ""
    batch_size: int | None = None
    formats: tuple[str, ...] = ("json",)
    problems = "error(s)"
    batch_size_help = ""
    whole = "a document is imported whole or not at all"  # why --skip-bad-rows is refused

    def __init__(self, *, skip_bad_rows: bool = False, batch_size: int | None = None):
        self.skip_bad_rows = skip_bad_rows
        self.batch_size = batch_size or self.batch_size
        self.format = self.formats[0]
        self.report = Report()

    def format_of(self, path: str, given: str | None) -> str:
        return given or self.formats[0]

    def read(self, source: Input, fmt: str) -> Any:
        """The document read and checked on its own (no database); sets `report.rows`.
        Raises DocumentRefused (or FileRefused)."""
        raise NotImplementedError

    def apply(self, document: Any) -> None:
        """Check the document against the database and write it, counting in `report`;
        raises DocumentRefused before anything is written."""
        raise NotImplementedError


def run_document_import(importer: DocumentImporter, path: str, *, fmt: str | None = None,
                        encoding: str = "utf-8", dry_run: bool = False) -> Report:
    """Import the document at `path` (`-` for stdin) in one transaction, under the audit
    context and correlation id of `import_<name>`. Raises ImportFailed (its errors in the
    report; nothing written), FileRefused, OSError, UnicodeDecodeError."""
    report = importer.report
    importer.format = importer.format_of(path, fmt)
    source = open_input(path, encoding)
    try:
        try:
            document = importer.read(source, importer.format)
        finally:
            source.close()
        with scope.for_command(f"import_{importer.name}"), transaction.atomic(), audited():
            importer.apply(document)
            if dry_run:
                transaction.set_rollback(True)
    except DocumentRefused as refused:
        for message in refused.errors:
            report.refuse(message)
        raise ImportFailed(report) from None
    report.written = not dry_run
    return report


def analyze(tables: set[str]) -> None:
    """Fresh planner statistics for tables a large import wrote into (PostgreSQL). Until
    autovacuum takes them, maybe minutes later, the planner plans for the tables as they were
    before (empty, after a first import), and the identity search's page order reads the
    table's size from them (identities.queries.search.count_and_order)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _apply(importer: Importer, valid: list, prepared: Any) -> None:
    """Apply a batch in a savepoint; retry it without the rows it refused (`prepared` stays as
    it was: apply takes from it what its rows need)."""
    report = importer.report
    while valid:
        counts = report.counts()
        try:
            with transaction.atomic():
                importer.apply(valid, prepared)
            return
        except (RowError, RowErrors) as error:
            report.restore(counts)
            refused = error.errors if isinstance(error, RowErrors) else [error]
            for row_error in refused:
                report.error(row_error.line, row_error.message)
            lines = {row_error.line for row_error in refused}
            kept = [row for row in valid if line_of(row) not in lines]
            if len(kept) == len(valid):
                raise RuntimeError(f"{type(importer).__name__}.apply refused rows not in "
                                   f"its batch: {sorted(lines)}") from error
            valid = kept


def line_of(row: Any) -> int:
    """The file line of a row handed over (see `Importer.hand_over`)."""
    return row.line if hasattr(row, "line") else row[0]


def picked(batch_lines: Sequence[int], lines: Sequence[int],
           *columns: Sequence) -> tuple[list, ...]:
    """The entries of `lines` (a subset of the batch, in order) in each of `columns`: what
    `prepare` made for every row of a batch, aligned with `batch_lines`, for the rows `apply`
    writes."""
    if tuple(lines) == tuple(batch_lines):
        return tuple(list(column) for column in columns)
    at = {line: i for i, line in enumerate(batch_lines)}
    positions = [at[line] for line in lines]
    return tuple([column[i] for i in positions] for column in columns)
