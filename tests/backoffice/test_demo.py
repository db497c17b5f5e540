"""The demo data: a small catalog in the default tenant, some of it given to alice."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from audit.models import ChangeRecord
from backoffice.models import AccessPolicy, Menu
from identities.models import Identity, Tenant
from tests.backoffice.catalogs import BACKOFFICE_PERMS

pytestmark = pytest.mark.django_db


def test_the_demo_catalog_loads_once_and_alice_has_menus(make_caller):
    call_command("load_demo", stdout=io.StringIO())
    tenant = Tenant.objects.get(key=settings.TESSERA_DEFAULT_TENANT_KEY)
    assert Menu.objects.filter(tenant=tenant).count() == 10
    assert AccessPolicy.objects.filter(group__tenant=tenant).count() == 6
    records = ChangeRecord.objects.filter(object_type__startswith="backoffice.").count()
    call_command("load_demo", stdout=io.StringIO())
    assert ChangeRecord.objects.filter(object_type__startswith="backoffice.").count() == records
    alice = Identity.objects.get(username="alice")
    api = make_caller(BACKOFFICE_PERMS, tenants=[tenant.key]).basic()
    base = f"/v1.0/tenants/{tenant.id}/identities/{alice.id}"
    menus = api.get(f"{base}/menus").json()
    assert menus["DefaultMenuId"] == 12
    assert [m["Id"] for m in menus["MenuItems"]] == [10, 11, 12, 14, 15]
    assert api.get(f"{base}/access-policies").json() == {"AccessPolicyIds": [1, 3]}
    tree = api.get(f"/v1.0/tenants/{tenant.id}/menus").json()["Menus"]
    assert [m["Key"] for m in tree] == ["dashboard", "clients", "portfolios", "administration"]
