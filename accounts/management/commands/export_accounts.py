"""Export every account, its sources and its users as NDJSON (import_accounts reads it)."""

from __future__ import annotations

from django.core.management.base import CommandError

from accounts.export import export_rows
from foundation.bulk.command import ExportCommand


class Command(ExportCommand):
    help = ("Export accounts as NDJSON, one account a line: its common id, name, sources (by "
            "connector client id) and users (pending ones with a null identity), streamed.")
    noun = "accounts"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(format="ndjson")

    def columns(self, options):
        return ["id", "name", "sources", "users"]

    def rows(self, options):
        if options["format"] != "ndjson":
            raise CommandError("Accounts nest their sources and users: NDJSON only.")
        return export_rows()
