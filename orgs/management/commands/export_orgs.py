"""Export organizations as CSV or NDJSON, in the columns import_orgs reads (streamed)."""

from foundation.bulk.command import ExportCommand
from orgs import conf
from orgs.org_import import ORG_COLUMNS, org_rows


class Command(ExportCommand):
    help = "Export organizations (the whole tree or one subtree) as CSV or NDJSON."
    noun = "organizations"

    def add_exporter_arguments(self, parser):
        parser.add_argument("--root", metavar="PATH", help="Only this organization's subtree.")

    def columns(self, options):
        return ORG_COLUMNS + list(conf.organization_attributes())

    def rows(self, options):
        return org_rows(options["root"])

    def json_row(self, row):
        return {key: value for key, value in row.items() if value not in ("", None)}

