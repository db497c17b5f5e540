"""Import users from CSV or NDJSON (upsert by uid, or organization and name)."""

from foundation.bulk.command import ImportCommand
from orgs.user_import import UserImporter


class Command(ImportCommand):
    help = ("Import users (organization, name, uid, email, firstname, surname, mobile, locale, "
            "hetu, pwd or pwd_hash, pwd.activated, status, custom attributes) from a CSV or "
            "NDJSON file, - for stdin: upsert by uid (or organization and name); all or "
            "nothing unless --skip-bad-rows.")
    importer_class = UserImporter
