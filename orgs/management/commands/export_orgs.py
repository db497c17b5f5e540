"""Export orgs as CSV or NDJSON, in the columns import_orgs reads (streaming)."""

import sys

from django.core.management.base import BaseCommand

from orgs import conf
from orgs.importers import ORG_COLUMNS as COLUMNS
from orgs.importers import org_rows as rows
from orgs.importers import write_rows


class Command(BaseCommand):
    help = "Export orgs (the whole tree or one subtree) as CSV or NDJSON."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "ndjson"], default="csv")
        parser.add_argument("--root", metavar="PATH", help="Only this organization's subtree.")
        parser.add_argument("-o", "--output", metavar="FILE", help="Default: stdout.")

    def handle(self, *args, **options):
        columns = [c for c in COLUMNS if c != "pwd"] + list(
            conf.organization_attributes())
        out = open(options["output"], "w", newline="", encoding="utf-8") if options[  # noqa: SIM115
            "output"] else sys.stdout
        try:
            count = write_rows(out, rows(options["root"]), columns, options["format"])
        finally:
            if out is not sys.stdout:
                out.close()
        self.stderr.write(f"{count} orgs exported")
