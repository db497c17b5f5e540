"""Export live authorisations as CSV or NDJSON, in the shape import_authorisations reads."""

from __future__ import annotations

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from authorisations.importer import COLUMNS, export_rows, to_csv_row
from authorisations.scim import FilterError


class Command(BaseCommand):
    help = "Export authorisations (not deleted ones) as CSV or NDJSON, streamed."

    def add_arguments(self, parser):
        parser.add_argument("--filter", help="A SCIM filter, as the API's filter parameter.")
        parser.add_argument("--format", choices=["csv", "ndjson"], default="csv")
        parser.add_argument("--output", "-o", default="-", help="A file, or - for stdout.")

    def handle(self, *args, **options):
        to_stdout = options["output"] == "-"
        try:
            out = _Stdout(self.stdout) if to_stdout else open(  # noqa: SIM115
                options["output"], "w", encoding="utf-8", newline="")
        except OSError as error:
            raise CommandError(f"Cannot write {options['output']}: {error.strerror}") from None
        try:
            rows = export_rows(filter_text=options["filter"])
            if options["format"] == "ndjson":
                for row in rows:
                    out.write(json.dumps(row) + "\n")
            else:
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(COLUMNS)
                for row in rows:
                    writer.writerow(to_csv_row(row))
        except FilterError as error:
            raise CommandError(f"--filter: {error}") from None
        finally:
            out.close()


class _Stdout:
    """The command's stdout as a plain file for csv.writer (no added line endings)."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def close(self) -> None:
        self.wrapper.flush()
