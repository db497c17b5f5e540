"""Import authorisations from CSV or NDJSON (`-` for stdin); all-or-nothing by default."""

from __future__ import annotations

from authorisations.importer import AuthorisationImporter
from foundation.bulk.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import authorisations (CSV or NDJSON, as export_authorisations writes). Rows with an "
        "id update that authorisation (or create it with that id); rows without are matched "
        "on namespace, type, subject, object and validity. A bad row aborts with nothing "
        "written, unless --skip-bad-rows."
    )
    importer_class = AuthorisationImporter

    def add_importer_arguments(self, parser):
        parser.add_argument("--namespace", help="The namespace of rows that name none.")

    def importer_options(self, options):
        return {"default_namespace": options["namespace"]}
