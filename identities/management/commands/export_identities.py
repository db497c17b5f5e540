"""Export the DFS identities with their memberships as CSV or NDJSON (streamed), in the
columns import_identities reads."""

from foundation.bulk.command import ExportCommand
from identities.importer import COLUMNS, identity_rows


class Command(ExportCommand):
    help = ("Export identities (people) with their memberships as CSV or NDJSON; no password "
            "hashes unless --include-secrets.")
    noun = "identities"
    secrets = "password hashes (PasswordHash)"

    def columns(self, options):
        return [c for c in COLUMNS if options["include_secrets"] or c != "PasswordHash"]

    def rows(self, options):
        return identity_rows(secrets=options["include_secrets"])
