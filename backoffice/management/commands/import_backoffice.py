"""import_backoffice FILE|- [--format json|yaml] [--encoding E] [--dry-run] [--batch-size N]

A tenant's back-office catalog from one JSON or YAML document (backoffice.importer;
docs/backoffice.md), on the shared import command: the same flags, file reading, report,
--dry-run and signal handling as every import (docs/bulk.md). A document is imported whole or
not at all: --skip-bad-rows is refused."""

from __future__ import annotations

from backoffice.importer import CatalogImporter
from foundation.bulk.command import ImportCommand


class Command(ImportCommand):
    help = ("Import a tenant's back-office menus and access policies (one JSON or YAML "
            "document, as export_backoffice writes; upsert by id). Any error writes nothing.")
    importer_class = CatalogImporter
    file_help = "A .json, .yaml or .yml file, or - for stdin."
    format_help = "json or yaml (default: yaml for .yaml and .yml, else json)."
