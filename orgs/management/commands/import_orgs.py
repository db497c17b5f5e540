"""Import orgs from CSV or NDJSON (upsert; see orgs.importers for the columns)."""

from orgs.importers import OrgImporter
from orgs.management.commands._bulk import ImportCommand


class Command(ImportCommand):
    help = "Import orgs from a CSV or NDJSON file (- for stdin); upserts, all or nothing."
    noun = "orgs"
    importer_class = OrgImporter
