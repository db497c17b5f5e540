"""Reads about identities and tenants that need more than a filter."""

from __future__ import annotations

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from identities.models import Identity, Tenant

TENANT_ACCESS = "identities.access_tenant"


def tenants_for(identity: Identity) -> QuerySet[Tenant]:
    """The tenants a client may reach: all with the global permission, else its grants."""
    return get_objects_for_user(identity, TENANT_ACCESS, klass=Tenant, accept_global_perms=True)


def tenant_for(identity: Identity, key: str) -> Tenant | None:
    """The tenant with `key` if the client may reach it; None hides whether it exists."""
    return tenants_for(identity).filter(key=key).first()
