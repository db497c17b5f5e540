"""The base import and export commands: every app's have the same flags and messages.

    import_<name> FILE [--format csv|ndjson] [--encoding E] [--dry-run] [--skip-bad-rows]
                       [--batch-size N]  (+ the importer's own options)
    export_<name> [--format csv|ndjson] [-o FILE] [--include-secrets]
                                                   (+ the exporter's own options)

(a document import or export, import_backoffice / export_backoffice: --format json|yaml)

An import is all-or-nothing unless --skip-bad-rows; SIGTERM or Ctrl-C rolls it back and ends
the command with a message; a progress bar shows on a terminal. An export masks national ids
and leaves out password hashes unless --include-secrets, which says so on stderr and creates
its file readable by its owner only.
"""

from __future__ import annotations

import codecs
import contextlib
import itertools
import os
import signal
import stat
import threading
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from foundation.bulk.files import FORMATS, write_csv, write_rows
from foundation.bulk.run import (
    DocumentImporter,
    FileRefused,
    Importer,
    ImportFailed,
    ImportInterrupted,
    run_document_import,
    run_import,
)
from foundation.bulk.worker import WorkerFailed


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGINT raise ImportInterrupted where the import runs, so its transaction
    rolls back and the reading process is stopped, instead of the process dying mid-way."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise ImportInterrupted(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def add_encoding_argument(parser) -> None:
    """`--encoding`, as every import reads it (foundation.bulk.files.open_input)."""
    parser.add_argument("--encoding", default="utf-8",
                        help="The file's encoding when it has no byte-order mark "
                             "(default utf-8; a BOM of UTF-8, -16 or -32 always wins).")


def encoding_check(encoding: str) -> None:
    """An unknown --encoding is refused before anything is read."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise CommandError(f"--encoding: unknown encoding {encoding!r}.") from None


def not_in_encoding(error: UnicodeDecodeError) -> CommandError:
    """The error of a file that is not in the encoding it was read in."""
    name = error.encoding.removesuffix("-sig")  # utf-8-sig reads a UTF-8 BOM
    return CommandError(f"nothing imported: the file is not {name} ({error.reason}); "
                        "give --encoding.")


class ImportCommand(BaseCommand):
    """An import of rows (`Importer`) or of one document (`DocumentImporter`)."""

    importer_class: type[Importer] | type[DocumentImporter]
    file_help = "A .csv or .ndjson file (.jsonl, .json: NDJSON), or - for stdin."
    format_help = "csv or ndjson (default: from the file name, else csv)."

    def add_arguments(self, parser):
        importer = self.importer_class
        parser.add_argument("file", help=self.file_help)
        parser.add_argument("--format", choices=importer.formats, help=self.format_help)
        add_encoding_argument(parser)
        parser.add_argument("--dry-run", action="store_true",
                            help="Validate and apply everything, then roll it back.")
        parser.add_argument("--skip-bad-rows", action="store_true",
                            help="Write the good rows and report the bad ones (default: a "
                                 "bad row writes nothing).")
        parser.add_argument("--batch-size", type=int, metavar="N",
                            help=importer.batch_size_help
                            or f"Rows per batch (default {importer.batch_size}).")
        self.add_importer_arguments(parser)

    def add_importer_arguments(self, parser) -> None:
        """The importer's own options."""

    def importer_options(self, options: dict) -> dict[str, Any]:
        return {}

    def handle(self, *args, **options):
        size = options["batch_size"]
        if size is not None and size < 1:
            raise CommandError("--batch-size must be positive.")
        encoding_check(options["encoding"])
        importer = self.importer_class(skip_bad_rows=options["skip_bad_rows"],
                                       batch_size=size, **self.importer_options(options))
        path = options["file"]
        document = isinstance(importer, DocumentImporter)
        if document and options["skip_bad_rows"]:
            raise CommandError(f"--skip-bad-rows: {importer.whole}.")
        try:
            with signals_interrupt():
                if document:
                    report = run_document_import(
                        importer, path, fmt=options["format"], encoding=options["encoding"],
                        dry_run=options["dry_run"])
                else:
                    report = run_import(
                        importer, path, fmt=options["format"], encoding=options["encoding"],
                        dry_run=options["dry_run"],
                        progress_stream=getattr(self.stderr, "_out", None))
        except ImportFailed as failed:
            report, problems = failed.report, importer.problems
            shown = "\n".join(report.errors)
            more = report.invalid - len(report.errors)
            if more > 0:
                shown += f"\n… and {more} more {problems}"
            raise CommandError(f"nothing imported: {report.invalid} {problems}.\n{shown}\n"
                               f"{report.summary()}") from None
        except FileRefused as refused:
            raise CommandError(f"nothing imported: {refused}") from None
        except WorkerFailed as failed:
            raise CommandError(f"nothing imported: the reading process failed:\n{failed}"
                               ) from None
        except ImportInterrupted as interrupted:
            raise CommandError(f"nothing imported: interrupted by {interrupted}; the import "
                               "was rolled back.") from None
        except UnicodeDecodeError as error:
            raise not_in_encoding(error) from None
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None
        for line in report.errors:
            self.stderr.write(f"skipped {line}")
        if options["dry_run"]:
            self.stdout.write(f"dry run, nothing written: {report.summary()}")
        else:
            self.stdout.write(self.style.SUCCESS(f"imported: {report.summary()}"))


class ExportCommand(BaseCommand):
    """Rows as the matching import reads them, streamed. Secrets (national ids, password
    hashes) only with --include-secrets: `rows` and `columns` see it in
    `options["include_secrets"]`; `secrets` names them (empty: the export has none)."""

    noun = "rows"
    secrets = ""
    formats: tuple[str, ...] = FORMATS  # the first is the default

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=self.formats, default=self.formats[0])
        parser.add_argument("-o", "--output", metavar="FILE", default="-",
                            help="A file, or - for stdout (default).")
        parser.add_argument(
            "--include-secrets", action="store_true",
            help="Write secrets in clear (" + (self.secrets or "this export has none")
                 + "; by default national ids are masked and password hashes left out), "
                 "so that the file restores them when imported. The file is created "
                 "readable by its owner only (0600).")
        self.add_exporter_arguments(parser)

    def add_exporter_arguments(self, parser) -> None:
        """The exporter's own options."""

    def columns(self, options: dict) -> list[str]:
        raise NotImplementedError

    def rows(self, options: dict) -> Iterable[dict]:
        """The rows (NDJSON objects; CSV rows through `csv_values`)."""
        raise NotImplementedError

    def csv_values(self, row: dict, columns: list[str]) -> list:
        """A row's CSV cells, in the columns' order."""
        return [row.get(column, "") for column in columns]

    def json_row(self, row: dict) -> dict:
        """A row's NDJSON object."""
        return row

    def handle(self, *args, **options):
        fmt, target = options["format"], options["output"]
        rows = iter(self.rows(options))
        try:  # a refused option (say a filter) is refused before anything is written
            first = next(rows, None)
        except DomainError as error:
            raise CommandError(error.message) from None
        rows = itertools.chain([first], rows) if first is not None else iter(())
        columns = self.columns(options)
        secret = options.get("include_secrets", False)
        try:
            if target == "-":
                out: IO[str] = _Stdout(self.stdout)  # type: ignore[assignment]
            elif secret:
                out = owner_only(target)
            else:
                out = open(target, "w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as error:
            raise CommandError(f"Cannot write {target}: {error.strerror}") from None
        if secret:
            self.stderr.write(self.secrets_warning(target))
        try:
            count = self.write(out, rows, columns, fmt)
        finally:
            out.close()
        self.stderr.write(f"{count} {self.noun} exported")

    def write(self, out: IO[str], rows: Iterator[dict], columns: list[str], fmt: str) -> int:
        """Write the rows in `fmt`; answers how many `noun` were written."""
        if fmt == "csv":
            return write_csv(out, (self.csv_values(row, columns) for row in rows), columns)
        if type(self).json_row is not ExportCommand.json_row:
            rows = map(self.json_row, rows)
        return write_rows(out, rows, columns, fmt)

    def secrets_warning(self, target: str) -> str:
        where = ("standard output: keep it safe" if target == "-"
                 else f"{target}, created readable by its owner only (0600)")
        if not self.secrets:
            return f"--include-secrets: {self.noun} have no secret columns; written to {where}."
        return f"--include-secrets: {self.secrets} written in clear to {where}."


def owner_only(path: str) -> IO[str]:
    """`path` opened for writing, readable and writable by its owner only: a new file is
    created so (mode 0600, whatever the umask adds), an existing one is made so before it is
    emptied and anything is written (a FIFO or device is left as it is)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.fchmod(descriptor, 0o600)
            os.ftruncate(descriptor, 0)
        return open(descriptor, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(descriptor)
        raise


class _Stdout:
    """The command's stdout as a plain file (no added line endings)."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def close(self) -> None:
        self.wrapper.flush()
