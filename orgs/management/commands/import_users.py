"""Import users from CSV or NDJSON (upsert; see orgs.importers for the columns)."""

from orgs.importers import UserImporter
from orgs.management.commands._bulk import ImportCommand


class Command(ImportCommand):
    help = "Import users from a CSV or NDJSON file (- for stdin); upserts, all or nothing."
    noun = "users"
    importer_class = UserImporter
