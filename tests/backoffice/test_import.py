"""`manage.py import_backoffice FILE`: JSON or YAML, upsert by id, idempotent, all or
nothing, with every error named by its place."""

import json
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from audit.models import ChangeRecord
from backoffice.models import AccessPolicy, AccessPolicyGroup, Menu
from backoffice.queries import menus_of
from backoffice.services.catalog import entry_save
from identities.services.tenants import tenant_create
from tests.backoffice.catalogs import big_document, document, state

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return tenant_create(key="acme", name="Acme")


def run(path, *args) -> str:
    out = StringIO()
    call_command("import_backoffice", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def write(tmp_path, doc, name="catalog.json") -> str:
    path = tmp_path / name
    text = yaml.safe_dump(doc, sort_keys=False) if name.endswith((".yaml", ".yml")) \
        else json.dumps(doc)
    path.write_text(text, encoding="utf-8")
    return str(path)


def refused(path, *words, args=()) -> str:
    before = state()
    with pytest.raises(CommandError) as caught:
        run(path, *args)
    message = str(caught.value)
    assert message.startswith("nothing imported"), message
    for word in words:
        assert word in message, message
    assert state() == before
    return message


def tree(tenant) -> list[tuple]:
    return [(m.depth, m.id, m.key, m.name) for m in menus_of(tenant)]


def test_a_json_catalog_is_imported_then_a_second_run_writes_nothing(tmp_path, acme):
    path = write(tmp_path, document())
    out = run(path)
    assert "imported: 10 rows: 10 created, 0 updated, 0 unchanged, 0 invalid" in out
    assert tree(acme) == [(0, 1, "dashboard", "Dashboard"), (0, 2, "clients", "Clients"),
                          (1, 3, "client-list", "Client list"), (2, 5, "client-export", "Export"),
                          (1, 4, "onboarding", "Onboarding")]
    assert list(AccessPolicy.objects.order_by("id").values_list("group_id", "key")) == [
        (1, "read"), (1, "write"), (2, "users")]
    created = ChangeRecord.objects.filter(action="create", object_type__startswith="backoffice.")
    assert created.count() == 10
    assert created.get(object_type="backoffice.menu", object_id="3").after["parent"] == 2
    records = ChangeRecord.objects.count()
    assert "0 created, 0 updated, 10 unchanged" in run(path)
    assert ChangeRecord.objects.count() == records


def test_yaml_gives_the_same_catalog(tmp_path, acme):
    assert "10 created" in run(write(tmp_path, document(), "catalog.yaml"))
    assert "0 created, 0 updated, 10 unchanged" in run(write(tmp_path, document()))
    text = (tmp_path / "catalog.yaml").read_text()
    (tmp_path / "catalog.txt").write_text(text)  # a .txt is JSON unless --format says
    assert "10 unchanged" in run(tmp_path / "catalog.txt", "--format", "yaml")


def test_upsert_renames_moves_reorders_and_swaps_keys_leaving_the_rest(tmp_path, acme):
    run(write(tmp_path, document()))
    entry_save(entry=Menu(tenant=acme, key="kept", name="Kept"), created=True)
    doc = document()
    dashboard, clients = doc["menus"]
    client_list, onboarding = clients["children"]
    # onboarding moves to the top, before the dashboard; client-list and onboarding swap keys
    clients["children"] = [client_list]
    onboarding["key"], client_list["key"] = "client-list", "onboarding"
    doc["menus"] = [onboarding, dashboard, clients]
    dashboard["name"] = "Home"
    group = doc["accessPolicyGroups"][0]
    group["policies"][0]["key"], group["policies"][1]["key"] = "write", "read"
    out = run(write(tmp_path, doc))
    assert "10 rows: 0 created, 6 updated, 4 unchanged" in out, out
    # siblings by position, then id: "kept" (position 0, not in the file) after onboarding
    assert tree(acme) == [(0, 4, "client-list", "Onboarding"), (0, 6, "kept", "Kept"),
                          (0, 1, "dashboard", "Home"), (0, 2, "clients", "Clients"),
                          (1, 3, "onboarding", "Client list"), (2, 5, "client-export", "Export")]
    moved = ChangeRecord.objects.filter(object_type="backoffice.menu", object_id="4",
                                        action="update").get()
    assert (moved.before["parent"], moved.after["parent"]) == (2, None)
    assert (moved.before["key"], moved.after["key"]) == ("onboarding", "client-list")


def test_new_entries_after_an_import_take_free_ids(tmp_path, acme):
    run(write(tmp_path, document()))
    menu = entry_save(entry=Menu(tenant=acme, key="new", name="New"), created=True)
    group = entry_save(entry=AccessPolicyGroup(tenant=acme, key="g", name="G"), created=True)
    policy = entry_save(entry=AccessPolicy(group=group, key="p", name="P"), created=True)
    assert (menu.id, group.id, policy.id) == (6, 3, 4)


@pytest.mark.parametrize("change, words", [
    (lambda d: d.update(tenant="nowhere"), ["tenant: no tenant has the key 'nowhere'"]),
    (lambda d: d.update(tenant=5), ["tenant: a tenant key"]),
    (lambda d: d.pop("tenant"), ["tenant: required"]),
    (lambda d: d.update(extra=1), ["extra: unknown field"]),
    (lambda d: d["menus"][1]["children"][0].update(id=1),
     ["menus[1].children[0].id: menu 1 is also at menus[0]"]),
    (lambda d: d["menus"][1]["children"][1].update(key="dashboard"),
     ["menus[1].children[1].key: menu key 'dashboard' is also at menus[0]"]),
    (lambda d: d["menus"][0].update(id="1"), ["menus[0].id: a whole number"]),
    (lambda d: d["menus"][0].update(id=0), ["menus[0].id: a whole number"]),
    (lambda d: d["menus"][0].update(id=True), ["menus[0].id: a whole number"]),
    (lambda d: d["menus"][0].update(key="with space"), ["menus[0].key: 1 to 100 letters"]),
    (lambda d: d["menus"][0].update(name=""), ["menus[0].name: a text of 1 to 200"]),
    (lambda d: d["menus"][0].update(name="a\x00b"), ["menus[0].name"]),
    (lambda d: d["menus"][0].pop("name"), ["menus[0].name: required"]),
    (lambda d: d["menus"][0].update(children={}), ["menus[0].children: expected an array"]),
    (lambda d: d["menus"].append(3), ["menus[2]: expected an object"]),
    (lambda d: d["accessPolicyGroups"][0]["policies"][1].update(key="read"),
     ["accessPolicyGroups[0].policies[1].key: policy key 'read' is also"]),
    (lambda d: d["accessPolicyGroups"][1]["policies"][0].update(id=1),
     ["accessPolicyGroups[1].policies[0].id: policy 1 is also"]),
    (lambda d: d["accessPolicyGroups"][0].update(policies=[{"id": 9, "key": "x"}]),
     ["accessPolicyGroups[0].policies[0].name: required"]),
])
def test_a_bad_document_imports_nothing(tmp_path, acme, change, words):
    doc = document()
    change(doc)
    refused(write(tmp_path, doc), *words)


def test_every_error_of_a_document_is_reported(tmp_path, acme):
    doc = document()
    doc["menus"][0]["id"] = "x"
    doc["menus"][1]["children"][1]["name"] = ""
    doc["accessPolicyGroups"][1]["key"] = "bad key"
    message = refused(write(tmp_path, doc), "3 error(s)", "menus[0].id",
                      "menus[1].children[1].name", "accessPolicyGroups[1].key")
    assert message.count("\n") >= 3


def test_ids_and_keys_of_other_entries_are_refused(tmp_path, acme):
    tenant_create(key="globex", name="Globex")
    run(write(tmp_path, document()))
    other = document("globex")  # the same ids: acme's
    refused(write(tmp_path, other, "globex.json"), "menus[0].id: menu 1 belongs to another "
            "tenant", "accessPolicyGroups[0].id: group 1 belongs to another tenant",
            "accessPolicyGroups[0].policies[0].id: policy 1 belongs to another tenant")
    # a key the file gives another id, held by an entry the file leaves out
    doc = {"tenant": "acme", "menus": [{"id": 50, "key": "dashboard", "name": "Dup"}]}
    refused(write(tmp_path, doc, "dup.json"), "menus[0].key: menu 1 of the tenant has the key "
            "'dashboard'")


@pytest.mark.parametrize("text, words", [
    ("{not json", ["not JSON: line 1 column 2"]),
    ("[]", ["expected an object"]),
    ("[" * 100 + "]" * 100, ["nests deeper than 64"]),
])
def test_unreadable_json_imports_nothing(tmp_path, acme, text, words):
    path = tmp_path / "bad.json"
    path.write_text(text)
    refused(path, *words)


def test_unreadable_yaml_imports_nothing(tmp_path, acme):
    path = tmp_path / "bad.yaml"
    path.write_text("tenant: acme\nmenus: [\n  - {id: 1\n")
    refused(path, "not YAML: line")
    path.write_text("tenant: acme\nmenus:\n  - {id: yes, key: a, name: A}\n")
    refused(path, "menus[0].id: a whole number")


def test_menus_nested_too_deep_are_refused(tmp_path, acme):
    doc = {"tenant": "acme", "menus": []}
    level = doc["menus"]
    for n in range(40):
        item = {"id": n + 1, "key": f"m{n}", "name": f"M{n}", "children": []}
        level.append(item)
        level = item["children"]
    refused(write(tmp_path, doc, "deep.yaml"), "nest more than 32 levels")


def test_dry_run_writes_nothing(tmp_path, acme):
    before = state()
    out = run(write(tmp_path, document()), "--dry-run")
    assert "dry run, nothing written: 10 rows: 10 created" in out
    assert state() == before


def test_a_file_in_another_encoding_needs_encoding(tmp_path, acme):
    doc = {"tenant": "acme", "menus": [{"id": 1, "key": "x", "name": "Äcmé"}]}
    path = tmp_path / "latin.json"
    path.write_bytes(json.dumps(doc, ensure_ascii=False).encode("latin-1"))
    refused(path, "not utf-8", "give --encoding")
    run(path, "--encoding", "latin-1")
    assert Menu.objects.get(pk=1).name == "Äcmé"
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "missing.json")
    with pytest.raises(CommandError, match=r"--encoding: unknown encoding 'klingon'"):
        run(path, "--encoding", "klingon")


@pytest.mark.parametrize("name", ["big.yaml", "big.json"])
def test_a_file_over_the_byte_bound_is_refused_before_parsing(tmp_path, acme, settings,
                                                              monkeypatch, name):
    """BACKOFFICE_IMPORT_MAX_BYTES (here 64 KiB): a valid catalog of 2,000 menus and as many
    policies is refused without parsing (its parser never runs), nothing written."""
    from backoffice import importer

    path = write(tmp_path, big_document("acme", 0, 2000), name)
    assert (tmp_path / name).stat().st_size > 2 * 65536
    settings.BACKOFFICE_IMPORT_MAX_BYTES = 65536
    parsed = []
    monkeypatch.setattr(importer, "parse",
                        lambda *args: parsed.append(1) or pytest.fail("parsed"))
    message = refused(path, "the file is larger than 65536 bytes "
                            "(BACKOFFICE_IMPORT_MAX_BYTES): refused before parsing")
    assert not parsed and "\n" not in message
    settings.BACKOFFICE_IMPORT_MAX_BYTES = 1024 * 1024
    monkeypatch.undo()
    assert "4200 created" in run(path)  # under the bound, the same file imports


def test_yaml_stops_composing_once_it_holds_more_than_the_entry_cap(tmp_path, acme,
                                                                    monkeypatch):
    """A YAML file under the byte bound is composed node by node and refused as soon as it has
    more nodes than MAX_ENTRIES entries can take (9 each), not parsed whole first."""
    from yaml import nodes

    from backoffice import importer

    monkeypatch.setattr(importer, "MAX_ENTRIES", 50)
    path = write(tmp_path, big_document("acme", 0, 2000), "big.yaml")  # 4,200 entries
    made = []
    real = nodes.Node.__init__
    monkeypatch.setattr(nodes.Node, "__init__",
                        lambda self, *args, **kw: made.append(1) or real(self, *args, **kw))
    refused(path, "more than 50 entries: the document has more than 457 YAML nodes")
    assert len(made) <= 457  # the whole document: about 39,000


def test_the_shared_flags_skip_bad_rows_is_refused_batch_size_splits_the_writes(
        tmp_path, acme, count_queries):
    path = write(tmp_path, document())
    with pytest.raises(CommandError, match="--skip-bad-rows: a back-office catalog is one "
                                           "document, imported whole or not at all"):
        run(path, "--skip-bad-rows")
    with pytest.raises(CommandError, match="--batch-size must be positive"):
        run(path, "--batch-size", "0")
    with pytest.raises(CommandError, match="invalid choice: 'csv'"):
        run(path, "--format", "csv")
    with count_queries() as whole:
        run(path, "--dry-run")
    with count_queries() as split:
        assert "10 rows: 10 created" in run(path, "--batch-size", "2")
    assert len(split) > len(whole)
    assert "0 created, 0 updated, 10 unchanged" in run(path, "--batch-size", "2")
