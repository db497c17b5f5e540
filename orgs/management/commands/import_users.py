"""Import users from CSV or NDJSON (upsert; see orgs.user_import for the columns)."""

from orgs.management.commands._bulk import ImportCommand
from orgs.user_import import UserImporter


class Command(ImportCommand):
    help = "Import users from a CSV or NDJSON file (- for stdin); upserts, all or nothing."
    noun = "users"
    importer_class = UserImporter
