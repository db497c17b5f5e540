"""The role hierarchy (specs 002/003): GET, the two rank routes, the two restriction routes;
statuses, audit, and that each twin pair answers alike."""

import pytest

from audit.models import ChangeRecord
from audit.services import audit_context_create
from identities.models import IdentityRole, RoleRestriction, Tenant
from identities.services.restrictions import role_restrictions_set
from identities.services.roles import identity_role_delete
from tests.identities.dfs import assert_additiv_error
from tests.identities.hierarchy import HIERARCHY_PERMS, ladder

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(make_caller):
    """A client of every tenant: the catalog it changes is every tenant's."""
    return make_caller([*HIERARCHY_PERMS, "identities.access_tenant"]).basic()


@pytest.fixture
def roles():
    return ladder(5)


def levels() -> list[int]:
    return list(IdentityRole.objects.order_by("hierarchy_level").values_list("pk", flat=True))


def restricted(role) -> list[int]:
    return sorted(RoleRestriction.objects.filter(role=role)
                  .values_list("restricted_role_id", flat=True))


def test_hierarchy_is_the_roles_below_minus_the_restricted(api, roles):
    role_restrictions_set(role=roles[1], restricted_role_ids=[roles[3].pk])
    body = api.get(f"/v2.0/roles/{roles[1].pk}/hierarchy").json()
    assert body["Base"] == {"Id": roles[1].pk, "Key": roles[1].key, "Name": roles[1].name,
                            "HierarchyLevel": 2}
    assert [r["Id"] for r in body["HierarchyItems"]] == [roles[2].pk, roles[4].pk]
    bottom = api.get(f"/v2.0/roles/{roles[4].pk}/hierarchy").json()
    assert bottom["HierarchyItems"] == []


@pytest.mark.parametrize("method, suffix", [
    ("get", "hierarchy"), ("put", "hierarchy/rank/Up"), ("patch", "hierarchy-level/Up"),
    ("post", "hierarchy/restrictions"), ("put", "hierarchy/exclude")])
def test_role_routes_answer_422_for_a_non_numeric_id_and_404_for_an_unknown(api, method,
                                                                           suffix):
    call = getattr(api, method)
    kwargs = {"data": [], "format": "json"} if "restr" in suffix or "excl" in suffix else {}
    assert_additiv_error(call(f"/v2.0/roles/abc/{suffix}", **kwargs), 422, "roleId")
    assert_additiv_error(call(f"/v2.0/roles/99999999999/{suffix}", **kwargs), 422, "roleId")
    # an unknown role: 404, except on 002's restriction route, which documents only 422
    unknown = 422 if suffix == "hierarchy/restrictions" else 404
    assert_additiv_error(call(f"/v2.0/roles/999999/{suffix}", **kwargs), unknown)


@pytest.mark.parametrize("route", ["put:/hierarchy/rank/", "patch:/hierarchy-level/"])
def test_rank_routes_swap_with_the_neighbour_and_answer_true(api, roles, route):
    method, path = route.split(":")
    call = getattr(api, method)
    before = levels()
    response = call(f"/v2.0/roles/{roles[2].pk}{path}Up")
    assert response.status_code == 200 and response.json() is True
    after = levels()
    assert after[1] == roles[2].pk and after[2] == roles[1].pk
    assert call(f"/v2.0/roles/{roles[2].pk}{path}down").json() is True  # any case
    assert levels() == before
    records = ChangeRecord.objects.filter(object_type="identities.identityrole",
                                          action="update")
    assert records.count() == 4
    top = roles[0]
    count = ChangeRecord.objects.count()
    assert call(f"/v2.0/roles/{top.pk}{path}Up").json() is True  # no-op at the top
    bottom = levels()[-1]
    assert call(f"/v2.0/roles/{bottom}{path}Down").json() is True  # and at the bottom
    assert levels() == before and ChangeRecord.objects.count() == count


def test_unknown_operation_is_422_on_002_and_400_on_003(api, roles):
    before = levels()
    assert_additiv_error(api.put(f"/v2.0/roles/{roles[1].pk}/hierarchy/rank/Unknown"), 422,
                         "operation")
    assert_additiv_error(api.put(f"/v2.0/roles/{roles[1].pk}/hierarchy/rank/Sideways"), 422)
    assert_additiv_error(api.patch(f"/v2.0/roles/{roles[1].pk}/hierarchy-level/Unknown"), 400,
                         "operation")
    assert levels() == before


def test_a_rank_change_runs_under_the_callers_audit_context(api, roles):
    context = audit_context_create(tenant=Tenant.objects.get(key="default"))
    response = api.put(f"/v2.0/roles/{roles[2].pk}/hierarchy/rank/Up?AuditContextId={context.pk}")
    assert response.status_code == 200
    assert set(ChangeRecord.objects.filter(object_type="identities.identityrole", action="update")
               .values_list("context_id", flat=True)) == {context.pk}
    url = f"/v2.0/roles/{roles[2].pk}/hierarchy/rank/Up?AuditContextId={context.pk + 1000}"
    assert_additiv_error(api.put(url), 422, "AuditContextId")


@pytest.mark.parametrize("method, path, answer", [
    ("post", "hierarchy/restrictions", None), ("put", "hierarchy/exclude", True)])
def test_restrictions_replace_the_set(api, roles, method, path, answer):
    call = getattr(api, method)
    url = f"/v2.0/roles/{roles[0].pk}/{path}"
    response = call(url, [roles[2].pk, roles[3].pk, roles[3].pk], format="json")
    assert response.status_code == 200
    assert (response.content == b"") if answer is None else (response.json() is answer)
    assert restricted(roles[0]) == [roles[2].pk, roles[3].pk]
    assert call(url, [roles[4].pk], format="json").status_code == 200
    assert restricted(roles[0]) == [roles[4].pk]
    record = ChangeRecord.objects.filter(object_type="identities.identityrole",
                                         object_id=str(roles[0].pk)).order_by("-id").first()
    assert record.before == {"restricted_roles": [roles[2].pk, roles[3].pk]}
    assert record.after == {"restricted_roles": [roles[4].pk]}
    count = ChangeRecord.objects.count()
    assert call(url, [roles[4].pk], format="json").status_code == 200  # unchanged
    assert ChangeRecord.objects.count() == count
    assert call(url, [], format="json").status_code == 200  # [] clears
    assert restricted(roles[0]) == []


@pytest.mark.parametrize("method, path, status", [
    ("post", "hierarchy/restrictions", 422), ("put", "hierarchy/exclude", 400)])
@pytest.mark.parametrize("body", [[999999], [1, "x"], ["1"], None, {"Ids": [1]}, [True]])
def test_refused_restrictions_change_nothing(api, roles, method, path, status, body):
    role_restrictions_set(role=roles[0], restricted_role_ids=[roles[2].pk])
    count = ChangeRecord.objects.count()
    call = getattr(api, method)
    url = f"/v2.0/roles/{roles[0].pk}/{path}"
    response = (call(url) if body is None else call(url, body, format="json"))
    assert_additiv_error(response, status)
    assert restricted(roles[0]) == [roles[2].pk] and ChangeRecord.objects.count() == count


def test_restrictions_run_under_the_callers_audit_context(api, roles):
    context = audit_context_create(tenant=Tenant.objects.get(key="default"))
    url = f"/v2.0/roles/{roles[0].pk}/hierarchy/exclude?AuditContextId={context.pk}"
    assert api.put(url, [roles[1].pk], format="json").json() is True
    record = ChangeRecord.objects.filter(object_type="identities.identityrole").latest("id")
    assert record.context_id == context.pk


def test_deleting_a_restricted_role_records_the_restriction_it_takes(roles):
    role_restrictions_set(role=roles[0], restricted_role_ids=[roles[4].pk, roles[3].pk])
    identity_role_delete(role=roles[4])
    assert restricted(roles[0]) == [roles[3].pk]
    record = ChangeRecord.objects.filter(object_type="identities.identityrole",
                                         object_id=str(roles[0].pk)).latest("id")
    assert record.after == {"restricted_roles": [roles[3].pk]}


def test_twin_routes_answer_alike(api, roles):
    assert (api.put(f"/v2.0/roles/{roles[3].pk}/hierarchy/rank/Up").json()
            == api.patch(f"/v2.0/roles/{roles[3].pk}/hierarchy-level/Down").json() is True)
    url = f"/v2.0/roles/{roles[0].pk}/hierarchy"
    api.post(f"{url}/restrictions", [roles[1].pk], format="json")
    first = api.get(url).json()
    api.put(f"{url}/exclude", [roles[1].pk], format="json")
    assert api.get(url).json() == first


def test_role_writes_need_the_change_permission(make_caller, roles):
    api = make_caller(["identities.view_identityrole"], tenants=["default"]).basic()
    assert_additiv_error(api.put(f"/v2.0/roles/{roles[1].pk}/hierarchy/rank/Up"), 403,
                         "change_identityrole")
    assert_additiv_error(api.put(f"/v2.0/roles/{roles[1].pk}/hierarchy/exclude", [],
                                 format="json"), 403)
    assert api.get(f"/v2.0/roles/{roles[1].pk}/hierarchy").status_code == 200


def test_role_hierarchy_query_count(api, roles, count_queries):
    role_restrictions_set(role=roles[0], restricted_role_ids=[roles[1].pk])
    api.get(f"/v2.0/roles/{roles[0].pk}/hierarchy")  # warm the credentials cache
    with count_queries() as queries:
        assert api.get(f"/v2.0/roles/{roles[0].pk}/hierarchy").status_code == 200
    first = len(queries)
    ladder(12)
    with count_queries() as queries:
        assert api.get(f"/v2.0/roles/{roles[0].pk}/hierarchy").status_code == 200
    assert len(queries) == first


# --- the catalog is every tenant's (issue 22, hardening 9) ----------------------------------------

CATALOG_WRITES = [("put", "hierarchy/rank/Up", None), ("patch", "hierarchy-level/Down", None),
                  ("post", "hierarchy/restrictions", "ids"), ("put", "hierarchy/exclude", "ids")]


def catalog_state() -> tuple:
    return (levels(), sorted(RoleRestriction.objects.values_list("role_id",
                                                                "restricted_role_id")),
            ChangeRecord.objects.count())


@pytest.mark.parametrize("method, suffix, body", CATALOG_WRITES)
def test_a_tenant_confined_client_may_not_change_the_shared_catalog(make_caller, roles, method,
                                                                    suffix, body):
    """Ranks and role restrictions are one catalog for every tenant: a client confined to
    tenant A changing them would reorder tenant B's hierarchies and access checks. 403 in
    the additiv style, nothing changed; the same client still reads the catalog."""
    Tenant.objects.create(key="beta", name="Beta")
    confined = make_caller(HIERARCHY_PERMS, tenants=["default"]).basic()
    before = catalog_state()
    kwargs = {"data": [roles[4].pk], "format": "json"} if body else {}
    url = f"/v2.0/roles/{roles[2].pk}/{suffix}"
    assert_additiv_error(getattr(confined, method)(url, **kwargs), 403,
                         "shared by every tenant", "identities.access_tenant")
    assert catalog_state() == before
    assert confined.get(f"/v2.0/roles/{roles[2].pk}/hierarchy").status_code == 200
    assert confined.get("/v2.0/roles").status_code == 200


@pytest.mark.parametrize("method, suffix, body", CATALOG_WRITES)
def test_a_client_of_every_tenant_changes_the_catalog(make_caller, roles, method, suffix, body):
    """Global tenant reach: the permission itself, or --all-perms with no --tenant."""
    for caller in (make_caller([*HIERARCHY_PERMS, "identities.access_tenant"]),
                   make_caller(all_perms=True)):
        before = catalog_state()
        kwargs = {"data": [roles[4].pk], "format": "json"} if body else {}
        response = getattr(caller.basic(), method)(f"/v2.0/roles/{roles[2].pk}/{suffix}",
                                                   **kwargs)
        assert response.status_code == 200, response.content
        # a move (rank 3 → 2 → 1, or 3 → 4 → 5) or a restriction set, and its record
        assert catalog_state() != before
        role_restrictions_set(role=roles[2], restricted_role_ids=[])  # for the next caller
