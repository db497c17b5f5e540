"""Import orgs from CSV or NDJSON (upsert; see orgs.importers for the columns)."""

from django.core.management.base import BaseCommand, CommandError

from orgs.bulk import ImportFailed, run_import
from orgs.importers import OrgImporter


class Command(BaseCommand):
    help = "Import orgs from a CSV or NDJSON file (- for stdin); upserts, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv or .ndjson file, or - for stdin.")
        parser.add_argument("--format", choices=["csv", "ndjson"], help="Default: by extension.")
        parser.add_argument("--dry-run", action="store_true", help="Validate, write nothing.")
        parser.add_argument("--skip-bad-rows", action="store_true",
                            help="Write the good rows and report the bad ones.")

    def handle(self, *args, **options):
        importer = OrgImporter(skip_bad_rows=options["skip_bad_rows"])
        try:
            report = run_import(importer, options["file"], fmt=options["format"],
                                dry_run=options["dry_run"], command="import_orgs",
                                progress_stream=self.stderr._out)
        except ImportFailed as failed:
            count = len(failed.errors)
            raise CommandError(f"nothing imported; {count} bad row(s):\n{failed}") from None
        except OSError as error:
            raise CommandError(str(error)) from error
        for line in report.errors:
            self.stderr.write(f"skipped {line}")
        prefix = "dry run, nothing written: " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{report.created} created, {report.updated} updated, "
                          f"{report.unchanged} unchanged, {len(report.errors)} skipped")
