"""Export users as CSV or NDJSON, in the columns import_users reads (streaming)."""

from orgs import conf
from orgs.management.commands._bulk import ExportCommand
from orgs.user_import import USER_COLUMNS, user_rows


class Command(ExportCommand):
    help = "Export users (the whole tree or one subtree) as CSV or NDJSON."
    noun = "users"
    columns = USER_COLUMNS

    def rows(self, root):
        return user_rows(root)

    def attributes(self):
        return conf.user_attributes()
