"""Export live authorisations as CSV or NDJSON, in the shape import_authorisations reads."""

from __future__ import annotations

from authorisations.export import COLUMNS, csv_values, export_rows
from foundation.bulk.command import ExportCommand


class Command(ExportCommand):
    help = "Export authorisations (not deleted ones) as CSV or NDJSON, streamed."
    noun = "authorisations"

    def add_exporter_arguments(self, parser):
        parser.add_argument("--filter", help="A SCIM filter, as the API's filter parameter.")

    def columns(self, options):
        return COLUMNS

    def rows(self, options):
        return export_rows(filter_text=options["filter"])

    def csv_values(self, row, columns):
        return csv_values(row)
