"""Import organizations from CSV or NDJSON (upsert by path; see orgs.org_import)."""

from foundation.bulk.command import ImportCommand
from orgs.org_import import OrgImporter


class Command(ImportCommand):
    help = ("Import organizations (path, friendlyName, organizationType, virtual, custom "
            "attributes) from a CSV or NDJSON file, - for stdin: upsert by path, a parent "
            "before its children; all or nothing unless --skip-bad-rows.")
    importer_class = OrgImporter
