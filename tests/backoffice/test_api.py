"""Spec 003 BackOfficeManagement over HTTP: the tenant's catalogs and an identity's menus and
access policies (replace-set), their errors (nothing changes), reach, permissions, audit and
query counts."""

import uuid

import pytest

from audit.models import AuditContext, ChangeRecord
from audit.services import audit_context_create
from identities.models import Member
from identities.services.people import person_create
from identities.services.tenants import member_upsert, tenant_create
from tests.backoffice.catalogs import BACKOFFICE_PERMS, big_document, document, load, state
from tests.identities.dfs import assert_additiv_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    tenant = tenant_create(key="acme", name="Acme")
    load(document("acme"))
    return tenant


@pytest.fixture
def globex():
    tenant = tenant_create(key="globex", name="Globex")
    load(document("globex", base=100))
    return tenant


@pytest.fixture
def ada(acme):
    identity = person_create(username="ada", first_name="Ada", last_name="Lovelace")
    member_upsert(tenant=acme, identity=identity)
    return identity


@pytest.fixture
def api(make_caller, acme, globex):
    return make_caller(BACKOFFICE_PERMS, tenants=["acme", "globex"]).basic()


def menus_url(tenant, identity) -> str:
    return f"/v1.0/tenants/{tenant.id}/identities/{identity.id}/menus"


def policies_url(tenant, identity) -> str:
    return f"/v1.0/tenants/{tenant.id}/identities/{identity.id}/access-policies"


# --- the catalogs --------------------------------------------------------------------------------

def test_the_tenants_menus_are_its_tree(api, acme):
    response = api.get(f"/v1.0/tenants/{acme.id}/menus")
    assert response.status_code == 200, response.content

    def leaf(pk, key, name, parent):
        return {"Id": pk, "Key": key, "Name": name, "ParentId": parent, "Children": []}

    assert response.json() == {"Menus": [
        leaf(1, "dashboard", "Dashboard", None),
        {"Id": 2, "Key": "clients", "Name": "Clients", "ParentId": None, "Children": [
            {"Id": 3, "Key": "client-list", "Name": "Client list", "ParentId": 2,
             "Children": [leaf(5, "client-export", "Export", 3)]},
            leaf(4, "onboarding", "Onboarding", 2)]},
    ]}


def test_the_tenants_access_policies_are_its_groups(api, acme, globex):
    response = api.get(f"/v1.0/tenants/{acme.id}/access-policies")
    assert response.status_code == 200, response.content
    assert response.json() == {"AccessPolicyGroups": [
        {"Id": 1, "Key": "clients", "Name": "Clients", "AccessPolicies": [
            {"Id": 1, "Key": "read", "Name": "Read"}, {"Id": 2, "Key": "write", "Name": "Write"}]},
        {"Id": 2, "Key": "admin", "Name": "Administration", "AccessPolicies": [
            {"Id": 3, "Key": "users", "Name": "Manage users"}]},
    ]}
    other = api.get(f"/v1.0/tenants/{globex.id}/access-policies").json()
    assert [g["Id"] for g in other["AccessPolicyGroups"]] == [101, 102]


def test_a_tenant_without_a_catalog_answers_empty_lists(make_caller):
    empty = tenant_create(key="empty", name="Empty")
    api = make_caller(BACKOFFICE_PERMS, tenants=["empty"]).bearer()
    assert api.get(f"/v1.0/tenants/{empty.id}/menus").json() == {"Menus": []}
    assert api.get(f"/v1.0/tenants/{empty.id}/access-policies").json() == {
        "AccessPolicyGroups": []}


# --- an identity's menus -------------------------------------------------------------------------

def test_menus_are_set_then_read_back(api, acme, ada):
    assert api.get(menus_url(acme, ada)).json() == {"DefaultMenuId": None, "MenuItems": []}
    response = api.patch(menus_url(acme, ada), {"DefaultMenuIds": [3, 1], "MenuIds": [1, 2, 3]},
                         format="json")
    assert response.status_code == 200 and response.json() is True
    assert api.get(menus_url(acme, ada)).json() == {"DefaultMenuId": 3, "MenuItems": [
        {"Id": 1, "Key": "dashboard", "Name": "Dashboard", "ParentId": None, "IsDefault": True},
        {"Id": 2, "Key": "clients", "Name": "Clients", "ParentId": None, "IsDefault": False},
        {"Id": 3, "Key": "client-list", "Name": "Client list", "ParentId": 2,
         "IsDefault": True},
    ]}


def test_menus_are_replaced_and_cleared_each_change_recorded_once(api, acme, ada):
    api.patch(menus_url(acme, ada), {"DefaultMenuIds": [1], "MenuIds": [1, 2]}, format="json")
    api.patch(menus_url(acme, ada), {"DefaultMenuIds": [4], "MenuIds": [4, 2, 4]},
              format="json")
    got = api.get(menus_url(acme, ada)).json()
    assert (got["DefaultMenuId"], [m["Id"] for m in got["MenuItems"]]) == (4, [2, 4])
    records = list(ChangeRecord.objects.filter(object_type="backoffice.memberbackoffice")
                   .order_by("id"))
    member = Member.objects.get(tenant=acme, identity=ada)
    assert [(r.action, r.object_id) for r in records] == [("update", str(member.pk))] * 2
    assert records[1].before == {"menu_ids": [1, 2], "default_menu_ids": [1],
                                 "access_policy_ids": []}
    assert records[1].after == {"menu_ids": [2, 4], "default_menu_ids": [4],
                                "access_policy_ids": []}
    before = ChangeRecord.objects.count()
    api.patch(menus_url(acme, ada), {"DefaultMenuIds": [4], "MenuIds": [2, 4]}, format="json")
    assert ChangeRecord.objects.count() == before  # the same set again: nothing written
    for body in ({"DefaultMenuIds": [], "MenuIds": []}, {"DefaultMenuIds": None,
                                                          "MenuIds": None}, {}):
        api.patch(menus_url(acme, ada), {"MenuIds": [1]}, format="json")
        assert api.patch(menus_url(acme, ada), body, format="json").status_code == 200
        assert api.get(menus_url(acme, ada)).json() == {"DefaultMenuId": None, "MenuItems": []}


def test_the_spec_sample_bodies_are_accepted(api, acme, ada):
    # spec 003 shows both lists empty in its request samples
    assert api.patch(menus_url(acme, ada), {"DefaultMenuIds": [], "MenuIds": []},
                     format="json").json() is True
    assert api.patch(policies_url(acme, ada), {"AccessPolicyIds": []},
                     format="json").json() is True


def test_unknown_fields_are_ignored_as_the_vendor_does(api, acme, ada):
    """A client whose models carry more properties than the call names (issue 22, defect 4);
    a key that differs from a field only in case is that field."""
    extra = {"Menus": [1], "ClientVersion": 2, "menuids": [1, 2]}
    assert api.patch(menus_url(acme, ada), extra, format="json").json() is True
    got = api.get(menus_url(acme, ada)).json()
    assert [m["Id"] for m in got["MenuItems"]] == [1, 2]
    assert api.patch(policies_url(acme, ada), {"AccessPolicyIds": [1], "MenuIds": []},
                     format="json").json() is True
    assert api.get(policies_url(acme, ada)).json() == {"AccessPolicyIds": [1]}


@pytest.mark.parametrize("body, status, words", [
    ({"MenuIds": [1, 101]}, 422, ["MenuIds", "101"]),  # globex's menu
    ({"MenuIds": [1, 999]}, 422, ["MenuIds", "999"]),
    ({"DefaultMenuIds": [2], "MenuIds": [1]}, 422, ["DefaultMenuIds", "2"]),
    ({"DefaultMenuIds": [999], "MenuIds": []}, 422, ["DefaultMenuIds"]),
    ({"MenuIds": ["1"]}, 422, ["MenuIds"]),
    ({"MenuIds": [True]}, 422, ["MenuIds"]),
    ({"MenuIds": 1}, 422, ["MenuIds"]),
    ({"MenuIds": [2**31]}, 422, ["MenuIds"]),
    ({"MenuIds": list(range(1001))}, 422, ["MenuIds"]),
    ([1], 422, ["Expected a JSON object"]),
    ({"MenuIds": [1], "AuditContextId": 999999}, 422, ["AuditContextId"]),
])
def test_refused_menus_change_nothing(api, acme, ada, body, status, words):
    api.patch(menus_url(acme, ada), {"DefaultMenuIds": [2], "MenuIds": [2, 3]}, format="json")
    before = state()
    assert_additiv_error(api.patch(menus_url(acme, ada), body, format="json"), status, *words)
    assert state() == before


def test_a_body_that_is_not_json_is_400_and_changes_nothing(api, acme, ada):
    before = state()
    for url in (menus_url(acme, ada), policies_url(acme, ada)):
        response = api.generic("PATCH", url, "{not json", content_type="application/json")
        assert_additiv_error(response, 400, "not in the required format")
    assert state() == before


# --- an identity's access policies ---------------------------------------------------------------

def test_policies_are_replaced_and_read_back(api, acme, ada):
    assert api.get(policies_url(acme, ada)).json() == {"AccessPolicyIds": []}
    assert api.patch(policies_url(acme, ada), {"AccessPolicyIds": [3, 1, 3]},
                     format="json").json() is True
    assert api.get(policies_url(acme, ada)).json() == {"AccessPolicyIds": [1, 3]}
    api.patch(policies_url(acme, ada), {"AccessPolicyIds": [2]}, format="json")
    assert api.get(policies_url(acme, ada)).json() == {"AccessPolicyIds": [2]}
    record = ChangeRecord.objects.filter(object_type="backoffice.memberbackoffice").latest("id")
    assert (record.before["access_policy_ids"], record.after["access_policy_ids"]) == (
        [1, 3], [2])
    api.patch(policies_url(acme, ada), {"AccessPolicyIds": None}, format="json")
    assert api.get(policies_url(acme, ada)).json() == {"AccessPolicyIds": []}


@pytest.mark.parametrize("body, words", [
    ({"AccessPolicyIds": [101]}, ["AccessPolicyIds", "101"]),  # globex's policy
    ({"AccessPolicyIds": [1, 77]}, ["AccessPolicyIds", "77"]),
    ({"AccessPolicyIds": "1"}, ["AccessPolicyIds"]),
])
def test_refused_policies_change_nothing(api, acme, ada, body, words):
    api.patch(policies_url(acme, ada), {"AccessPolicyIds": [1]}, format="json")
    before = state()
    assert_additiv_error(api.patch(policies_url(acme, ada), body, format="json"), 422, *words)
    assert state() == before


# --- audit contexts ------------------------------------------------------------------------------

def test_the_callers_audit_context_holds_the_records(api, acme, ada):
    context = audit_context_create(tenant=acme, created_by="BackOffice")
    api.patch(menus_url(acme, ada), {"MenuIds": [1], "auditContextId": context.id},
              format="json")
    api.patch(policies_url(acme, ada), {"AccessPolicyIds": [1], "AuditContextId": context.id},
              format="json")
    records = ChangeRecord.objects.filter(object_type="backoffice.memberbackoffice")
    assert records.count() == 2 and {r.context_id for r in records} == {context.id}


def test_without_a_context_the_write_has_an_implicit_one(api, acme, ada):
    contexts = AuditContext.objects.count()
    api.patch(menus_url(acme, ada), {"MenuIds": [1]}, format="json")
    record = ChangeRecord.objects.get(object_type="backoffice.memberbackoffice")
    assert record.context.implicit and AuditContext.objects.count() == contexts + 1


# --- reach, permissions --------------------------------------------------------------------------

def test_unreachable_or_unknown_tenants_and_identities_are_404(make_caller, api, acme, globex,
                                                               ada):
    confined = make_caller(BACKOFFICE_PERMS, tenants=["globex"]).basic()
    before = state()
    for url in (f"/v1.0/tenants/{acme.id}/menus", f"/v1.0/tenants/{acme.id}/access-policies",
                menus_url(acme, ada), policies_url(acme, ada)):
        assert_additiv_error(confined.get(url), 404)
    assert_additiv_error(confined.patch(menus_url(acme, ada), {"MenuIds": [1]},
                                        format="json"), 404)
    assert_additiv_error(api.get("/v1.0/tenants/99999/menus"), 404)
    assert_additiv_error(api.get(f"/v1.0/tenants/{acme.id}/identities/{uuid.uuid4()}/menus"),
                         404)
    # a reachable identity that is no member of the tenant
    assert_additiv_error(api.get(menus_url(globex, ada)), 404, "no member")
    assert_additiv_error(api.patch(policies_url(globex, ada), {"AccessPolicyIds": [101]},
                                   format="json"), 404, "no member")
    assert_additiv_error(api.get("/v1.0/tenants/x/menus"), 400, "tenantId")
    assert_additiv_error(api.get(f"/v1.0/tenants/{acme.id}/identities/nope/menus"), 400,
                         "identityId")
    assert state() == before


@pytest.mark.parametrize("method, url, perm", [
    ("get", "/v1.0/tenants/{t}/menus", "view_menu"),
    ("get", "/v1.0/tenants/{t}/access-policies", "view_accesspolicy"),
    ("get", "/v1.0/tenants/{t}/identities/{i}/menus", "view_membermenu"),
    ("patch", "/v1.0/tenants/{t}/identities/{i}/menus", "change_membermenu"),
    ("get", "/v1.0/tenants/{t}/identities/{i}/access-policies", "view_memberaccesspolicy"),
    ("patch", "/v1.0/tenants/{t}/identities/{i}/access-policies",
     "change_memberaccesspolicy"),
])
def test_a_missing_permission_is_403_naming_it(make_caller, acme, ada, method, url, perm):
    others = [p for p in BACKOFFICE_PERMS if not p.endswith("." + perm)]
    api = make_caller(others, tenants=["acme"]).basic()
    before = state()
    response = getattr(api, method)(url.format(t=acme.id, i=ada.id), {}, format="json")
    assert_additiv_error(response, 403, f"Client does not have required permission {perm}.")
    assert state() == before


def test_no_credentials_is_401(client, acme, ada):
    assert_additiv_error(client.get(menus_url(acme, ada)), 401)


# --- query counts: pinned, flat in the catalog's size --------------------------------------------

GET_QUERIES = {"menus": 5, "access-policies": 6, "identity-menus": 7, "identity-policies": 7}


@pytest.mark.parametrize("size", [10, 200])
def test_get_routes_query_counts_are_flat(make_caller, count_queries, size):
    tenant = tenant_create(key="big", name="Big")
    load(big_document("big", 1000, size))
    identity = person_create(username="big-ada")
    member = member_upsert(tenant=tenant, identity=identity)
    from backoffice.models import AccessPolicy, Menu
    from backoffice.services.assignments import member_menus_set, member_policies_set
    menus = list(Menu.objects.filter(tenant=tenant).values_list("id", flat=True))
    member_menus_set(member=member, menu_ids=menus, default_menu_ids=menus[:3])
    member_policies_set(member=member, policy_ids=list(
        AccessPolicy.objects.filter(group__tenant=tenant).values_list("id", flat=True)))
    api = make_caller(BACKOFFICE_PERMS, tenants=["big"]).basic()
    urls = {"menus": f"/v1.0/tenants/{tenant.id}/menus",
            "access-policies": f"/v1.0/tenants/{tenant.id}/access-policies",
            "identity-menus": menus_url(tenant, identity),
            "identity-policies": policies_url(tenant, identity)}
    api.get(urls["menus"])  # the first request of a client caches its credentials
    for name, url in urls.items():
        with count_queries() as queries:
            response = api.get(url)
        assert response.status_code == 200, response.content
        assert len(queries) == GET_QUERIES[name], (name, [q["sql"] for q in queries])
    body = api.get(urls["identity-menus"]).json()
    assert len(body["MenuItems"]) == size and body["DefaultMenuId"] == menus[0]
