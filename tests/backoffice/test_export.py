"""`manage.py export_backoffice`: the document import_backoffice reads. Exported, imported into
a tenant without a catalog and exported again, it is the same document; imported into its own
tenant, it changes nothing (no change record)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audit.models import ChangeRecord
from backoffice.models import AccessPolicy, AccessPolicyGroup, MemberAccessPolicy, MemberMenu, Menu
from backoffice.services.catalog import entry_save
from identities.services.tenants import tenant_create
from tests.backoffice.catalogs import big_document, document, load

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    tenant = tenant_create(key="acme", name="Acme")
    load(document())
    # entries made in the admin (position 0, ids after the import's) among the imported ones
    clients = Menu.objects.get(tenant=tenant, key="clients")
    entry_save(entry=Menu(tenant=tenant, key="kept", name="Kept: «ä»"), created=True)
    entry_save(entry=Menu(tenant=tenant, key="reports", name="yes", parent=clients),
               created=True)
    group = AccessPolicyGroup.objects.get(tenant=tenant, key="admin")
    entry_save(entry=AccessPolicy(group=group, key="audit", name="123"), created=True)
    return tenant


def export(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command("export_backoffice", "--tenant", "acme", *args, stdout=out, stderr=err)
    assert err.getvalue().startswith("13 entries exported"), err.getvalue()
    return out.getvalue()


def imported(tmp_path, text: str, name: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_backoffice", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def catalog_dropped() -> None:
    """The tenant's catalog gone (the tests' own deletes: nothing else refers to it)."""
    MemberMenu.objects.all().delete()
    MemberAccessPolicy.objects.all().delete()
    AccessPolicy.objects.all().delete()
    AccessPolicyGroup.objects.all().delete()
    Menu.objects.update(parent=None)
    Menu.objects.all().delete()


@pytest.mark.parametrize("fmt, name", [("json", "catalog.json"), ("yaml", "catalog.yaml")])
def test_export_import_export_gives_the_same_document(tmp_path, acme, fmt, name):
    first = export("--format", fmt)
    records = ChangeRecord.objects.count()
    assert "13 rows: 0 created, 0 updated, 13 unchanged, 0 invalid" in imported(
        tmp_path, first, name)
    assert ChangeRecord.objects.count() == records  # its own tenant: nothing changes
    catalog_dropped()
    assert "13 rows: 13 created, 0 updated, 0 unchanged" in imported(tmp_path, first, name)
    assert export("--format", fmt) == first


def test_the_document_is_the_tree_in_order(acme):
    doc = json.loads(export())
    assert doc["tenant"] == "acme"
    assert [(m["id"], m["key"]) for m in doc["menus"]] == [(1, "dashboard"), (6, "kept"),
                                                           (2, "clients")]
    clients = doc["menus"][2]
    assert [(m["key"], [c["key"] for c in m["children"]]) for m in clients["children"]] == [
        ("client-list", ["client-export"]), ("reports", []), ("onboarding", [])]
    assert doc["accessPolicyGroups"][1] == {
        "id": 2, "key": "admin", "name": "Administration", "policies": [
            {"id": 3, "key": "users", "name": "Manage users"},
            {"id": 4, "key": "audit", "name": "123"}]}


def test_an_empty_or_unknown_tenant(db, tmp_path):
    tenant_create(key="acme", name="Acme")
    out = StringIO()
    call_command("export_backoffice", "--tenant", "acme", stdout=out, stderr=StringIO())
    assert json.loads(out.getvalue()) == {"tenant": "acme", "menus": [],
                                          "accessPolicyGroups": []}
    with pytest.raises(CommandError, match="--tenant: no tenant has the key 'nowhere'"):
        call_command("export_backoffice", "--tenant", "nowhere", stdout=StringIO(),
                     stderr=StringIO())
    target = tmp_path / "out.json"
    with pytest.raises(CommandError, match="invalid choice: 'csv'"):
        call_command("export_backoffice", "--format", "csv", "-o", str(target))
    assert not target.exists()


def test_the_export_takes_four_queries_whatever_the_catalog(acme, count_queries):
    with count_queries() as small:
        export()
    load(big_document("acme", 100, 200))
    out = StringIO()
    with count_queries() as big:
        call_command("export_backoffice", "--tenant", "acme", stdout=out, stderr=StringIO())
    assert len(json.loads(out.getvalue())["menus"]) == 3 + 20
    assert len(small) == len(big) == 4
