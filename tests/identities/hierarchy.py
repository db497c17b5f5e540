"""Helpers of the hierarchy tests: a tenant of people with roles, and the permissions."""

from __future__ import annotations

from identities.models import IdentityRole, Member, Tenant
from identities.services.people import person_create
from identities.services.roles import identity_role_create
from identities.services.tenants import member_upsert
from tests.identities.dfs import ALL

HIERARCHY_PERMS = [*ALL, "identities.change_identityrole"]


def ladder(n: int) -> list[IdentityRole]:
    """The role catalog with exactly n roles, ranked 1..n in the returned order."""
    existing = list(IdentityRole.objects.order_by("hierarchy_level"))
    for i in range(len(existing), n):
        existing.append(identity_role_create(key=f"rank-{i + 1}", name=f"Rank {i + 1}"))
    return existing[:n]


def people(tenant: Tenant, roles: list[IdentityRole | None], prefix: str = "p") -> list[Member]:
    """One member of `tenant` per role given (None: no role), in order."""
    out = []
    for index, role in enumerate(roles):
        identity = person_create(username=f"{prefix}{tenant.key}{index}",
                                 first_name=f"F{index}", last_name=f"L{index}")
        out.append(member_upsert(tenant=tenant, identity=identity,
                                 role_id=role.pk if role else None))
    return out
