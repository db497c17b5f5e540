"""Import the DFS identities with their memberships from CSV or NDJSON."""

from foundation.bulk.command import ImportCommand
from identities.importer import IdentityImporter


class Command(ImportCommand):
    help = ("Import identities (UserName, ExternalId, FirstName, LastName, Email, SalutationId, "
            "Description, Phone, Fax, Mobile, Url, BankBranchId, IdentityRoleId, "
            "IsSignInEnabled, Memberships as tenant:roleId[:disabled];…, PasswordHash) from a "
            "CSV or NDJSON file, - for stdin: upsert by ExternalId, else UserName; all or "
            "nothing unless --skip-bad-rows.")
    importer_class = IdentityImporter
