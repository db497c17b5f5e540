"""`create_tenant` and `create_api_client --tenant` make tenants (issue 13's contract)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audit.models import ChangeRecord
from foundation import reach
from identities.models import TENANTS, Identity, Tenant
from identities.queries.directory import default_tenant_for

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_tenant_is_idempotent_and_names_it():
    assert "created" in run("create_tenant", "acme", "--name", "Acme Wealth")
    tenant = Tenant.objects.get(key="acme")
    assert tenant.name == "Acme Wealth"
    assert "exists" in run("create_tenant", "acme")
    run("create_tenant", "acme", "--name", "Acme")
    tenant.refresh_from_db()
    assert tenant.name == "Acme" and Tenant.objects.filter(key="acme").count() == 1
    assert ChangeRecord.objects.filter(object_type="identities.tenant",
                                       object_id=str(tenant.pk)).count() == 2
    assert "created" in run("create_tenant", "bare")
    assert Tenant.objects.get(key="bare").name == "bare"


def test_create_tenant_refuses_a_bad_key():
    with pytest.raises(CommandError):
        run("create_tenant", "not a slug!")
    assert not Tenant.objects.filter(key="not a slug!").exists()


def test_create_api_client_creates_a_missing_tenant_its_default():
    data = json.loads(run("create_api_client", "c", "--tenant", "fresh", "--tenant",
                          "default", "--json"))
    client = Identity.objects.get(username=data["username"])
    assert Tenant.objects.filter(key="fresh").exists()
    assert default_tenant_for(reach.of(client, TENANTS)).key == "fresh"
