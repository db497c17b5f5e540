"""Tenant access, members, the two member listings and member sync (specs 002/003)."""

import uuid

import pytest

from audit.models import ChangeRecord
from identities.models import Identity, Member, Tenant
from identities.services.people import person_create
from tests.identities.dfs import ALL, CREATE_SAMPLE, assert_additiv_error, sample

pytestmark = pytest.mark.django_db



def create(api, username: str, **changes) -> str:
    body = sample(CREATE_SAMPLE, AuditContextId=None, Username=username, ExternalId=None,
                  **changes)
    response = api.post("/v1.0/identities", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["IdentityId"]


def access_url(tenant_id, identity_id) -> str:
    return f"/v1.0/tenants/{tenant_id}/identities/{identity_id}/access"


def state() -> tuple:
    return (Member.objects.count(), ChangeRecord.objects.count(),
            sorted(Member.objects.values_list("id", "identity_role_id", "is_enabled")))


# --- tenant access -------------------------------------------------------------------------------

def test_the_access_sample_creates_then_updates_the_membership(api, acme):
    identity_id = create(api, "jconnor")
    body = {"TenantId": acme.id, "IdentityRoleId": 1, "IsEnabled": True}
    response = api.patch(access_url(acme.id, identity_id), body, format="json")
    assert response.status_code == 200 and response.json() is True
    member = Member.objects.get(tenant=acme, identity_id=identity_id)
    assert (member.identity_role_id, member.is_enabled) == (1, True)
    body = {"TenantId": acme.id, "IdentityRoleId": 3, "IsEnabled": False}
    assert api.patch(access_url(acme.id, identity_id), body, format="json").status_code == 200
    member.refresh_from_db()
    assert (member.identity_role_id, member.is_enabled) == (3, False)  # kept, disabled


def test_access_of_the_default_tenant_reads_back_on_the_identity(api):
    identity_id = create(api, "jconnor")
    default = Tenant.objects.get(key="default")
    body = {"TenantId": default.id, "IsEnabled": False}
    assert api.patch(access_url(default.id, identity_id), body, format="json").status_code == 200
    got = api.get(f"/v1.0/identities/{identity_id}").json()
    assert got["IsTenantAccessEnabled"] is False and got["IdentityRole"]["Id"] == 1
    body = {"IsEnabled": True, "IdentityRoleId": 2}
    assert api.patch(access_url(default.id, identity_id), body, format="json").status_code == 200
    got = api.get(f"/v1.0/identities/{identity_id}").json()
    assert got["IsTenantAccessEnabled"] is True and got["IdentityRole"]["Id"] == 2


@pytest.mark.parametrize("body, status, field", [
    ({"TenantId": 99999, "IsEnabled": True}, 422, "TenantId"),
    ({"IdentityRoleId": 999, "IsEnabled": True}, 422, "IdentityRoleId"),
    ({"IsEnabled": "yes"}, 422, "IsEnabled"),
    ([], 422, "Expected a JSON object"),
])
def test_refused_access_changes_nothing(api, acme, body, status, field):
    identity_id = create(api, "jconnor")
    before = state()
    assert_additiv_error(api.patch(access_url(acme.id, identity_id), body, format="json"),
                         status, field)
    assert state() == before


def test_access_to_an_unreachable_or_unknown_tenant_or_identity_is_404(make_caller, api, acme):
    identity_id = create(api, "jconnor")
    confined = make_caller(ALL, tenants=["default"]).basic()
    before = state()
    body = {"IsEnabled": True}
    assert_additiv_error(confined.patch(access_url(acme.id, identity_id), body,
                                        format="json"), 404)
    assert_additiv_error(api.patch(access_url(99999, identity_id), body, format="json"), 404)
    assert_additiv_error(api.patch(access_url(acme.id, uuid.uuid4()), body, format="json"),
                         404)
    assert_additiv_error(api.patch(access_url("x", identity_id), body, format="json"), 400,
                         "tenantId")
    assert_additiv_error(api.patch(access_url(2**40, identity_id), body, format="json"), 400,
                         "tenantId")
    assert state() == before


# --- members -------------------------------------------------------------------------------------

def test_get_member_answers_its_identity(api):
    identity_id = create(api, "jconnor")
    member = Member.objects.get(identity_id=identity_id)
    response = api.get(f"/v1.0/members/{member.id}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["MemberId"], body["IdentityId"], body["FirstName"], body["Email"],
            body["BankBranch"]["Id"], body["IdentityRole"]["Id"], body["IsActive"]) == (
        member.id, identity_id, "John", "jct@additiv.com", 1, 1, True)


def test_a_member_outside_the_clients_tenants_is_404(make_caller, api, acme):
    identity_id = create(api, "jconnor")
    member = Member.objects.get(identity_id=identity_id)
    outsider = make_caller(ALL, tenants=["acme"]).basic()
    assert_additiv_error(outsider.get(f"/v1.0/members/{member.id}"), 404)
    assert_additiv_error(api.get("/v1.0/members/999999"), 404)
    for bad in ("abc", "--5", "-", "1.5", "99999999999", "%C2%B9"):
        assert_additiv_error(api.get(f"/v1.0/members/{bad}"), 400, "memberId")


def people(api, count: int) -> list[str]:
    return [create(api, f"user{i:04d}", FirstName=f"First{i:04d}", LastName=f"Last{i % 3}",
                   Email=f"user{i}@example.com") for i in range(count)]


def test_member_search_pages_sorts_and_filters(api):
    people(api, 5)
    body = {"SearchTerm": "FIRST000", "SortBy": "FirstName", "SortOrder": "Descending",
            "Page": 1, "PageSize": 2}
    response = api.post("/v1.0/members/search", body, format="json")
    assert response.status_code == 200, response.content
    got = response.json()
    assert (got["Page"], got["PageSize"], got["PageCount"], got["TotalCount"]) == (1, 2, 3, 5)
    assert [r["FirstName"] for r in got["Results"]] == ["First0004", "First0003"]
    got = api.post("/v1.0/members/search", {**body, "Page": 3}, format="json").json()
    assert [r["FirstName"] for r in got["Results"]] == ["First0000"]
    got = api.post("/v1.0/members/search", {**body, "Page": 9}, format="json").json()
    assert got["Results"] == [] and got["TotalCount"] == 5
    ids = list(Member.objects.order_by("id").values_list("id", flat=True)[:2])
    got = api.post("/v1.0/members/search", {"MemberIds": ids}, format="json").json()
    assert [r["MemberId"] for r in got["Results"]] == ids


def test_member_search_sample_and_nothing_found(api):
    body = {"MemberIds": [], "SearchTerm": "adm", "SortBy": "LastName",
            "SortOrder": "Descending", "Page": 1, "PageSize": 10}
    got = api.post("/v1.0/members/search", body, format="json").json()
    assert got == {"Results": [], "Page": 1, "PageSize": 10, "PageCount": 0, "TotalCount": 0}


def test_a_page_size_over_the_maximum_is_capped(api, settings):
    settings.API_MAX_PAGE_SIZE = 3
    people(api, 4)
    got = api.post("/v1.0/members/search", {"PageSize": 1000}, format="json").json()
    assert (got["PageSize"], len(got["Results"]), got["PageCount"]) == (3, 3, 2)


@pytest.mark.parametrize("body, field", [
    ({"SortBy": "Password"}, "SortBy"), ({"Page": 0}, "Page"), ({"PageSize": -1}, "PageSize"),
    ({"MemberIds": ["1"]}, "MemberIds"),
    ({"SortOrder": "Up"}, "SortOrder"), ({"PageSize": 2**31}, "PageSize"),
    ({"SearchTerm": 5}, "SearchTerm"),
])
def test_member_search_refuses_bad_criteria(api, body, field):
    assert_additiv_error(api.post("/v1.0/members/search", body, format="json"), 422, field)


def test_active_members_are_sign_in_and_tenant_access_enabled(api):
    a, b, c = people(api, 3)
    Identity.objects.filter(pk=b).update(is_active=False)
    Member.objects.filter(identity_id=c).update(is_enabled=False)
    body = {"SortColumn": "UserName", "SortOrder": "desc", "Offset": 0, "Limit": 0,
            "Search": "user", "FirstName": "", "LastName": "", "BranchId": 0,
            "CountryId": 0, "RoleId": 0}
    response = api.post("/v1.0/members/active", body, format="json")
    assert response.status_code == 200, response.content
    got = response.json()
    assert got["TotalCount"] == 1 and [m["IdentityId"] for m in got["Filtered"]] == [a]
    # no match: 002 documents 404 "Couldn't find the list of active members"
    assert_additiv_error(api.post("/v1.0/members/active", {"RoleId": 2}, format="json"), 404,
                         "Couldn't find the list of active members")


def test_the_active_sample_as_written_is_accepted(api):
    people(api, 2)
    body = {"SortColumn": "string", "SortOrder": "string", "Offset": 0, "Limit": 0,
            "Search": "string", "FirstName": "string", "LastName": "string", "BranchId": 0,
            "CountryId": 0, "RoleId": 0}
    # accepted, and nobody matches "string" in every name: 404, as 002 documents
    assert_additiv_error(api.post("/v1.0/members/active", body, format="json"), 404,
                         "Couldn't find the list")
    body = {"SortColumn": "firstname", "SortOrder": "DESC"}
    got = api.post("/v1.0/members/active", body, format="json").json()
    assert [m["FirstName"] for m in got["Filtered"]] == ["First0001", "First0000"]


@pytest.mark.parametrize("body, field", [
    ({"Offset": -1}, "Offset"), ({"Limit": 2**31}, "Limit"), ({"RoleId": "1"}, "RoleId"),
    ({"SortColumn": 3}, "SortColumn"),
])
def test_active_members_refuses_bad_criteria(api, body, field):
    assert_additiv_error(api.post("/v1.0/members/active", body, format="json"), 422, field)


def test_active_members_offset_and_limit(api):
    people(api, 5)
    body = {"SortColumn": "FirstName", "Offset": 1, "Limit": 2}
    got = api.post("/v1.0/members/active", body, format="json").json()
    assert got["TotalCount"] == 5
    assert [m["FirstName"] for m in got["Filtered"]] == ["First0001", "First0002"]


def test_members_of_other_tenants_are_not_listed(make_caller, api, acme):
    people(api, 2)
    outsider = make_caller(ALL, tenants=["acme"]).basic()
    got = outsider.post("/v1.0/members/search", {"SearchTerm": "user"}, format="json").json()
    assert got["TotalCount"] == 0
    assert_additiv_error(outsider.post("/v1.0/members/active", {"Search": "user"},
                                       format="json"), 404, "Couldn't find the list")
    ids = list(Member.objects.values_list("id", flat=True))
    got = outsider.post("/v1.0/members/search", {"MemberIds": ids}, format="json").json()
    assert got["TotalCount"] == 0


@pytest.mark.parametrize("size", [10, 1000])
@pytest.mark.parametrize("route, body", [
    ("/v1.0/members/search", lambda n: {"PageSize": n}),
    ("/v1.0/members/active", lambda n: {"Limit": n}),
])
def test_member_listing_query_counts_are_pinned(make_caller, count_queries, settings, size,
                                                route, body):
    caller = make_caller(ALL)
    api = caller.basic()
    tenant = Tenant.objects.get(key="default")
    people = Identity.objects.bulk_create([Identity(username=f"bulk{i}", first_name="B")
                                           for i in range(MEMBERS)])
    Member.objects.bulk_create([Member(tenant=tenant, identity=person, identity_role_id=1)
                                for person in people])
    api.post(route, body(size), format="json")
    with count_queries() as queries:
        response = api.post(route, body(size), format="json")
    assert response.status_code == 200
    assert len(response.json().get("Results", response.json().get("Filtered"))) == size
    assert len(queries) == LISTING_QUERIES, [q["sql"] for q in queries.captured_queries]


# the client (remembered credentials), its permissions (own, groups), the default tenant
# grant, the count, the page with its identities, branches and roles joined
LISTING_QUERIES = 6
MEMBERS = 1005  # a full page of 1,000


# --- member sync ---------------------------------------------------------------------------------

def sync_urls(identity_id, key: str = "default") -> list[tuple[str, str]]:
    return [(f"/v2.0/tenants/{key}/members/{identity_id}/sync", "InternalUserId"),
            (f"/v2.0/tenants/{key}/identities/{identity_id}/sync-member", "IdentityId")]


@pytest.mark.parametrize("which", [0, 1])
def test_sync_creates_the_member_when_missing_and_is_idempotent(api, acme, which):
    identity_id = create(api, "jconnor")
    path, id_field = sync_urls(identity_id, "acme")[which]
    response = api.post(path, {"Member": {}, "Context": {}}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    member = Member.objects.get(tenant=acme, identity_id=identity_id)
    assert (body[id_field], body["MemberId"]) == (identity_id, member.id)
    assert member.identity_role_id == 1 and member.is_enabled  # the home role
    assert ChangeRecord.objects.get(object_type="identities.member",
                                    object_id=str(member.id)).context_id == body[
        "AuditContextId"]
    records = ChangeRecord.objects.filter(object_type="identities.member").count()
    again = api.post(path, {"Member": {}, "Context": {}}, format="json").json()
    assert again["MemberId"] == member.id
    assert ChangeRecord.objects.filter(object_type="identities.member").count() == records


def test_both_sync_routes_share_one_member_and_take_the_callers_context(api, acme):
    identity_id = create(api, "jconnor")
    given = api.post("/v2.0/tenants/acme/auditcontext/generate", {},
                     format="json").json()["AuditContextId"]
    (v2, _), (v3, _) = sync_urls(identity_id, "acme")
    first = api.post(v2, {"Member": {"IdentityRoleId": 2, "IsEnabled": False},
                          "Context": {"AuditContextId": given}}, format="json").json()
    assert first["AuditContextId"] == given
    member = Member.objects.get(pk=first["MemberId"])
    assert (member.identity_role_id, member.is_enabled) == (2, False)
    assert ChangeRecord.objects.get(object_type="identities.member",
                                    object_id=str(member.id)).context_id == given
    second = api.post(v3, {"Member": {"IsEnabled": True},
                           "Context": {"Createdby": "backoffice"}}, format="json").json()
    assert second["MemberId"] == member.id and second["AuditContextId"] != given
    member.refresh_from_db()
    assert (member.identity_role_id, member.is_enabled) == (2, True)


@pytest.mark.parametrize("body, field", [
    ({"Member": {"IdentityRoleId": 999}}, "IdentityRoleId"),
    ({"Context": {"AuditContextId": 10**12}}, "AuditContextId"),
    ({"Member": "x"}, "Member"),
])
def test_refused_sync_changes_nothing(api, acme, body, field):
    identity_id = create(api, "jconnor")
    before = state()
    for path, _ in sync_urls(identity_id, "acme"):
        assert_additiv_error(api.post(path, body, format="json"), 422, field)
    assert state() == before


def test_sync_of_unknown_tenant_or_unreachable_identity_is_404(make_caller, api, acme):
    loner = person_create(username="loner")
    confined = make_caller(ALL, tenants=["acme"]).basic()
    for path, _ in sync_urls(loner.id, "acme"):
        assert_additiv_error(confined.post(path, {}, format="json"), 404)
    identity_id = create(api, "jconnor")
    for path, _ in sync_urls(identity_id, "nope"):
        assert_additiv_error(api.post(path, {}, format="json"), 404)
    # a malformed id: 002 documents 422 ("The IdentityUser ID is invalid"), 003 lists 400
    v2, v3 = (path for path, _ in sync_urls("not-a-uuid", "acme"))
    assert_additiv_error(api.post(v2, {}, format="json"), 422, "internalUserId")
    assert_additiv_error(api.post(v3, {}, format="json"), 400, "identityId")
