"""Import authorisations from CSV or NDJSON (`-` for stdin); all-or-nothing by default."""

from __future__ import annotations

import io
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit import context as scope
from audit.services import audited
from authorisations.importer import import_authorisations, read_rows


class Command(BaseCommand):
    help = (
        "Import authorisations (CSV or NDJSON, as export_authorisations writes). Rows with an "
        "id update that authorisation (or create it with that id); rows without are matched "
        "on namespace, type, subject, object and validity. A bad row aborts with nothing "
        "written, unless --partial."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to read, or - for stdin.")
        parser.add_argument("--format", choices=["csv", "ndjson"],
                            help="Default: from the file name (.ndjson/.jsonl), else csv.")
        parser.add_argument("--namespace", help="The namespace of rows that name none.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Validate everything, write nothing.")
        parser.add_argument("--partial", action="store_true",
                            help="Write the good rows even when some are bad.")
        parser.add_argument("--batch-size", type=int, default=10_000)

    def handle(self, *args, **options):
        path = options["file"]
        fmt = options["format"] or ("ndjson" if path.endswith((".ndjson", ".jsonl")) else "csv")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be positive.")
        stream = (io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")
                  if path == "-" else self.open(path))
        bar = tqdm(unit=" rows", file=sys.stderr, disable=not sys.stderr.isatty(),
                   desc="import")
        try:
            with stream, scope.for_command("import_authorisations"), audited():
                report = import_authorisations(
                    read_rows(stream, fmt), dry_run=options["dry_run"],
                    partial=options["partial"], default_namespace=options["namespace"],
                    batch_size=options["batch_size"], progress=bar.update)
        except UnicodeDecodeError as error:
            raise CommandError(f"The file is not UTF-8: {error}") from None
        finally:
            bar.close()
        for message in report.errors:
            self.stderr.write(message)
        if report.invalid > len(report.errors):
            self.stderr.write(f"… and {report.invalid - len(report.errors)} more bad rows")
        summary = (f"{report.rows} rows: {report.created} created, {report.updated} updated, "
                   f"{report.unchanged} unchanged, {report.invalid} invalid")
        if options["dry_run"]:
            self.stdout.write(f"Dry run, nothing written. {summary}")
        elif report.invalid and not options["partial"]:
            raise CommandError(f"Nothing written: {report.invalid} bad row(s). {summary}")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported. {summary}"))

    def open(self, path: str):
        try:
            return open(path, encoding="utf-8", newline="")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
