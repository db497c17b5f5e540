"""export_backoffice [--tenant KEY] [--format json|yaml] [-o FILE] [--include-secrets]

A tenant's back-office catalog as the one JSON or YAML document import_backoffice reads
(backoffice.export; docs/backoffice.md, docs/bulk.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

import yaml
from django.conf import settings

from backoffice.export import catalog_document, entries_of
from foundation.bulk.command import ExportCommand


class Command(ExportCommand):
    help = ("Export a tenant's back-office menus and access policies as one JSON or YAML "
            "document, as import_backoffice reads it.")
    noun = "entries"
    formats = ("json", "yaml")

    def add_exporter_arguments(self, parser):
        parser.add_argument("--tenant", metavar="KEY",
                            default=settings.TESSERA_DEFAULT_TENANT_KEY,
                            help="The tenant whose catalog is exported (default: the default "
                                 "tenant).")

    def columns(self, options):
        return []

    def rows(self, options):
        yield catalog_document(options["tenant"])

    def write(self, out: IO[str], rows: Iterator[dict], columns: list[str], fmt: str) -> int:
        (document,) = rows
        if fmt == "yaml":
            yaml.safe_dump(document, out, sort_keys=False, allow_unicode=True)
        else:
            out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return entries_of(document)
