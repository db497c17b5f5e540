"""Export orgs as CSV or NDJSON, in the columns import_orgs reads (streaming)."""

from orgs import conf
from orgs.management.commands._bulk import ExportCommand
from orgs.org_import import ORG_COLUMNS, org_rows


class Command(ExportCommand):
    help = "Export orgs (the whole tree or one subtree) as CSV or NDJSON."
    noun = "orgs"
    columns = ORG_COLUMNS

    def rows(self, root):
        return org_rows(root)

    def attributes(self):
        return conf.organization_attributes()
