"""Fixtures of the DFS tests: the tenant acme, and a client of the default tenant and acme
(a test file whose client differs defines its own `api`)."""

import pytest

from identities.models import Identity, Member, Tenant
from identities.services.tenants import tenant_create
from tests.identities.dfs import ALL


@pytest.fixture
def acme():
    return tenant_create(key="acme", name="Acme")


@pytest.fixture
def person():
    """pic (Pia), a person who is a member of the default tenant (role 1)."""
    identity = Identity.objects.create(username="pic", first_name="Pia")
    Member.objects.create(tenant=Tenant.objects.get(key="default"), identity=identity,
                          identity_role_id=1)
    return identity


@pytest.fixture
def api(make_caller, acme):
    """A client of the default tenant (its first, so its default) and of acme."""
    return make_caller(ALL, tenants=["default", "acme"]).basic()
