"""Import orgs from CSV or NDJSON (upsert; see orgs.org_import for the columns)."""

from orgs.management.commands._bulk import ImportCommand
from orgs.org_import import OrgImporter


class Command(ImportCommand):
    help = "Import orgs from a CSV or NDJSON file (- for stdin); upserts, all or nothing."
    noun = "orgs"
    importer_class = OrgImporter
