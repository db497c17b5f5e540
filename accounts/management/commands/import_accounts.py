"""Import accounts from NDJSON (`-` for stdin), as export_accounts writes them."""

from __future__ import annotations

from accounts.importer import AccountImporter
from foundation.bulk.command import ImportCommand


class Command(ImportCommand):
    help = ("Import accounts (NDJSON, one account a line, as export_accounts writes): sources "
            "bound and merged by common id, users added to their connectors' lists and linked "
            "by identity or email. A bad line aborts with nothing written, unless "
            "--skip-bad-rows.")
    importer_class = AccountImporter
    file_help = "An .ndjson file (.jsonl, .json), or - for stdin."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(format="ndjson")
