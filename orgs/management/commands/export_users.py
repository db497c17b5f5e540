"""Export users as CSV or NDJSON, in the columns import_users reads (streamed)."""

from foundation.bulk.command import ExportCommand
from orgs import conf
from orgs.user_import import USER_COLUMNS, user_rows


class Command(ExportCommand):
    help = ("Export users (the whole tree or one subtree) as CSV or NDJSON; hetu masked and "
            "no password hashes unless --include-secrets.")
    noun = "users"
    secrets = "national ids (hetu) and password hashes (pwd_hash)"

    def add_exporter_arguments(self, parser):
        parser.add_argument("--root", metavar="PATH", help="Only this organization's subtree.")

    def columns(self, options):
        hidden = {"pwd"} if options["include_secrets"] else {"pwd", "pwd_hash"}
        return [c for c in USER_COLUMNS if c not in hidden] + list(conf.user_attributes())

    def rows(self, options):
        return user_rows(options["root"], secrets=options["include_secrets"])

    def json_row(self, row):
        return {key: value for key, value in row.items() if value not in ("", None)}
