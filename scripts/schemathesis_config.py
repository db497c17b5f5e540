"""The configuration of the full schemathesis pass (scripts/schemathesis_full.sh): the
checkout's schemathesis.toml plus dictionaries of the identifiers the database holds, bound
to the path parameters and body fields that name them, so that about half of the generated
cases address an existing object (and name existing catalog entries) instead of being
refused for a missing one before any other rule of the operation is reached
(docs/foundation.md, "The schema is the contract").

    DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python scripts/schemathesis_config.py OUT

Schemathesis uses an entry only where it matches the parameter's schema (a role's path is
never sent where the schema wants a user's, in a case meant to be valid).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBABILITY = 0.5  # the share of cases that take a parameter from its dictionary


def identifiers() -> dict[str, list]:
    """Each dictionary: the identifiers of one kind the database holds (sorted, so that a
    seeded run draws the same cases on the same data)."""
    from accounts.models import Account
    from authorisations.models import (
        Authorisation,
        AuthorisationGrantRight,
        AuthorisationSource,
        AuthorisationType,
        Namespace,
    )
    from identities.models import BankBranch, Identity, IdentityRole, Member, Salutation, Tenant
    from orgs.models import Organization, OrgUser, Role

    def ids(queryset, field: str = "pk", kind=str) -> list:
        return sorted(kind(value) for value in queryset.values_list(field, flat=True))

    def paths(model) -> list[str]:
        return sorted(f"{org}/{name}" for org, name in model.objects.values_list(
            "organization__path", "name"))

    roles, users = paths(Role), paths(OrgUser)

    return {
        "identities": ids(Identity.objects.filter(kind=Identity.Kind.PERSON)),
        "members": ids(Member.objects.all(), kind=int),
        "tenant-ids": ids(Tenant.objects.all(), kind=int),
        "tenant-keys": ids(Tenant.objects.all(), "key"),
        "identity-roles": ids(IdentityRole.objects.all(), kind=int),
        "oneportal-ids": sorted(
            ids(Authorisation.objects.all()) + ids(AuthorisationType.objects.all())
            + ids(AuthorisationSource.objects.all())
            + ids(AuthorisationGrantRight.objects.all())),
        "customerid-paths": sorted(ids(Organization.objects.all(), "path") + roles + users),
        "customerid-roles": roles,
        "customerid-users": users,
        "accounts": ids(Account.objects.exclude(common_id=None).exclude(common_id=""),
                        "common_id"),
        "salutations": ids(Salutation.objects.all(), kind=int),
        "bank-branches": ids(BankBranch.objects.all(), kind=int),
        "namespaces": ids(Namespace.objects.all(), "code"),
        "type-codes": sorted(set(ids(AuthorisationType.objects.all(), "code"))),
        "source-codes": sorted(set(ids(AuthorisationSource.objects.all(), "code"))),
    }


# parameter (path, query) or top-level body field -> the dictionary it draws from
BINDINGS = {
    "path.identityId": "identities", "path.internalId": "identities",
    "path.internalUserId": "identities", "path.personId": "members",
    "path.tenantId": "tenant-ids", "path.tenantKey": "tenant-keys",
    "path.roleId": "identity-roles", "path.id": "oneportal-ids",
    "path.path": "customerid-paths", "path.account_id": "accounts",
    "query.user": "customerid-users", "query.memberOf": "customerid-roles",
    "body.SalutationId": "salutations", "body.BankBranchId": "bank-branches",
    "body.IdentityRoleId": "identity-roles", "body.nsCode": "namespaces",
    "body.authType": "type-codes", "body.authSource": "source-codes",
}


def toml_value(value) -> str:
    """An int, a string (a TOML basic string: anything but printable ASCII escaped) or a
    list of them."""
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, int):
        return str(value)
    return '"' + "".join(
        char if " " <= char <= "~" and char not in '"\\' else
        (f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        for char in value) + '"'


def config(values: dict[str, list]) -> str:
    """schemathesis.toml with the dictionaries and bindings appended."""
    lines = [(ROOT / "schemathesis.toml").read_text(), "", "# --- scripts/schemathesis_config.py"]
    lines.append("[parameters]")
    for parameter, dictionary in BINDINGS.items():
        if values[dictionary]:
            lines.append(f'"{parameter}" = {{ dictionary = "{dictionary}", '
                         f"probability = {PROBABILITY} }}")
    for name, entries in values.items():
        if entries:
            lines += ["", f'[dictionaries."{name}"]', f"values = {toml_value(entries)}"]
    return "\n".join(lines) + "\n"


def main(out: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    Path(out).write_text(config(identifiers()))


if __name__ == "__main__":
    main(sys.argv[1])
