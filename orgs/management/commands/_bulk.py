"""The shared body of the orgs import and export commands; each command names its kind."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

from django.core.management.base import BaseCommand, CommandError

from orgs.bulk import ImportFailed, WorkerFailed, run_import
from orgs.rows import write_rows


class ImportCommand(BaseCommand):
    noun = ""  # "orgs", "users"
    importer_class: type

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv or .ndjson file, or - for stdin.")
        parser.add_argument("--format", choices=["csv", "ndjson"], help="Default: by extension.")
        parser.add_argument("--dry-run", action="store_true", help="Validate, write nothing.")
        parser.add_argument("--skip-bad-rows", action="store_true",
                            help="Write the good rows and report the bad ones.")

    def handle(self, *args, **options):
        importer = self.importer_class(skip_bad_rows=options["skip_bad_rows"])
        try:
            report = run_import(importer, options["file"], fmt=options["format"],
                                dry_run=options["dry_run"], command=f"import_{self.noun}",
                                progress_stream=self.stderr._out)
        except ImportFailed as failed:
            count = len(failed.errors)
            raise CommandError(f"nothing imported; {count} bad row(s):\n{failed}") from None
        except WorkerFailed as failed:
            raise CommandError(f"nothing imported; the reading process failed:\n{failed}"
                               ) from None
        except OSError as error:
            raise CommandError(str(error)) from error
        for line in report.errors:
            self.stderr.write(f"skipped {line}")
        prefix = "dry run, nothing written: " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{report.created} created, {report.updated} updated, "
                          f"{report.unchanged} unchanged, {len(report.errors)} skipped")


class ExportCommand(BaseCommand):
    noun = ""
    columns: Sequence[str] = ()

    def rows(self, root: str | None) -> Iterable[dict]:
        raise NotImplementedError

    def attributes(self) -> Iterable[str]:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "ndjson"], default="csv")
        parser.add_argument("--root", metavar="PATH", help="Only this organization's subtree.")
        parser.add_argument("-o", "--output", metavar="FILE", help="Default: stdout.")

    def handle(self, *args, **options):
        columns = [c for c in self.columns if c != "pwd"] + list(self.attributes())
        rows = self.rows(options["root"])
        if options["output"]:
            with open(options["output"], "w", newline="", encoding="utf-8") as out:
                count = write_rows(out, rows, columns, options["format"])
        else:
            count = write_rows(sys.stdout, rows, columns, options["format"])
        self.stderr.write(f"{count} {self.noun} exported")
