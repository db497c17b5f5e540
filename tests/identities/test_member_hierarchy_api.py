"""The member hierarchy (specs 002/003): the two reads, the two restriction routes, the two
access checks and the two tenant member listings; statuses, audit, query counts, and that
each twin pair answers alike."""

import uuid

import pytest

from audit.models import ChangeRecord
from audit.services import audit_context_create
from identities.models import MemberRestriction, Tenant
from identities.services.people import person_create
from identities.services.restrictions import member_restrictions_set, role_restrictions_set
from identities.services.tenants import member_remove, member_upsert
from tests.identities.dfs import assert_additiv_error
from tests.identities.hierarchy import HIERARCHY_PERMS, ladder, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def default():
    return Tenant.objects.get(key="default")


@pytest.fixture
def api(make_caller):
    return make_caller(HIERARCHY_PERMS, tenants=["default", "acme"]).basic()


@pytest.fixture
def acme(api):
    return Tenant.objects.get(key="acme")  # made by the client's grant


@pytest.fixture
def roles():
    return ladder(4)


@pytest.fixture
def team(default, roles):
    """Ranks 1, 2, 2, 3, 3, 4 and one without a role."""
    r = roles
    return people(default, [r[0], r[1], r[1], r[2], r[2], r[3], None])


def ids(items) -> list[int]:
    return [item["MemberId"] for item in items]


def hierarchy_urls(member) -> list[str]:
    return [f"/v2.0/members/{member.identity_id}/hierarchy",
            f"/v1.0/identities/{member.identity_id}/hierarchy"]


def access(api, member, person_id) -> list:
    """The 002 and the 003 answer."""
    one = api.post(f"/v2.0/members/{member.identity_id}/hierarchy/access",
                   {"PersonId": person_id}, format="json")
    two = api.get(f"/v1.0/identities/{member.identity_id}/hierarchy/{person_id}/exists")
    assert one.status_code == two.status_code == 200, (one.content, two.content)
    return [one.json(), two.json()]


def test_hierarchy_superiors_base_and_items(api, team, roles):
    for url in hierarchy_urls(team[1]):
        body = api.get(url).json()
        assert ids(body["Superiors"]) == [team[0].pk]
        assert ids(body["HierarchyItems"]) == [team[3].pk, team[4].pk, team[5].pk]
        base = body["Base"]
        assert base["MemberId"] == team[1].pk and base["IdentityId"] == str(team[1].identity_id)
        assert base["IdentityRole"]["HierarchyLevel"] == 2 and base["IsEnabled"] is True
        assert body["HierarchyItems"][0] == {
            "MemberId": team[3].pk, "IdentityId": str(team[3].identity_id),
            "UserName": team[3].identity.username, "FirstName": "F3", "LastName": "L3",
            "IsEnabled": True, "IdentityRole": {"Id": roles[2].pk, "Key": roles[2].key,
                                                "Name": roles[2].name, "HierarchyLevel": 3}}


def test_restrictions_take_members_and_roles_out(api, team, roles):
    role_restrictions_set(role=roles[1], restricted_role_ids=[roles[3].pk])
    member_restrictions_set(member=team[1], restricted_identity_ids=[team[3].identity_id])
    body = api.get(hierarchy_urls(team[1])[0]).json()
    assert ids(body["HierarchyItems"]) == [team[4].pk]
    assert access(api, team[1], team[4].pk) == [True, True]
    assert access(api, team[1], team[3].pk) == [False, False]  # restricted member
    assert access(api, team[1], team[5].pk) == [False, False]  # restricted role
    # the same role's other member is not restricted by team[1]'s member restrictions
    assert ids(api.get(hierarchy_urls(team[2])[1]).json()["HierarchyItems"]) == [team[3].pk,
                                                                                 team[4].pk]


def test_access_checks(api, team, acme, roles):
    stranger = people(acme, [roles[3]], prefix="s")[0]
    assert access(api, team[0], team[5].pk) == [True, True]
    assert access(api, team[5], team[0].pk) == [False, False]  # above
    assert access(api, team[1], team[2].pk) == [False, False]  # same rank
    assert access(api, team[0], team[6].pk) == [False, False]  # no role
    assert access(api, team[0], stranger.pk) == [False, False]  # another tenant
    assert access(api, team[0], 987654) == [False, False]  # unknown person
    assert access(api, team[6], team[5].pk) == [False, False]  # a base without a role


def test_a_base_without_a_role_ranks_nowhere(api, team):
    body = api.get(hierarchy_urls(team[6])[1]).json()
    assert body["Superiors"] == [] and body["HierarchyItems"] == []
    assert body["Base"]["IdentityRole"] is None


def test_unknown_and_malformed_bases(api, team, acme, roles):
    outsider = people(acme, [roles[0]], prefix="o")[0]  # a member of acme, not of default
    for identity_id in (uuid.uuid4(), outsider.identity_id):
        assert_additiv_error(api.get(f"/v2.0/members/{identity_id}/hierarchy"), 404)
        assert_additiv_error(api.get(f"/v1.0/identities/{identity_id}/hierarchy"), 404)
        assert_additiv_error(api.post(f"/v2.0/members/{identity_id}/hierarchy/access",
                                      {"PersonId": team[5].pk}, format="json"), 404)
        assert_additiv_error(api.get(f"/v1.0/identities/{identity_id}/hierarchy/1/exists"), 404)
        # 002's restriction route lists 422, no 404: "The Member ID is invalid"
        assert_additiv_error(api.post(f"/v2.0/members/{identity_id}/hierarchy/restrictions",
                                      [], format="json"), 422, "The Member ID is invalid")
        assert_additiv_error(api.put(f"/v1.0/identities/{identity_id}/hierarchy/exclude",
                                     [], format="json"), 404)
    assert_additiv_error(api.get("/v2.0/members/nope/hierarchy"), 422, "internalId")
    assert_additiv_error(api.get("/v1.0/identities/nope/hierarchy"), 400, "identityId")
    assert_additiv_error(api.post("/v2.0/members/nope/hierarchy/access", {"PersonId": 1},
                                  format="json"), 422, "internalId")
    base = team[0].identity_id
    assert_additiv_error(api.get(f"/v1.0/identities/{base}/hierarchy/x/exists"), 400,
                         "personId")
    for body in ({}, {"PersonId": "1"}, {"PersonId": 2**31}):
        assert_additiv_error(api.post(f"/v2.0/members/{base}/hierarchy/access", body,
                                      format="json"), 422)


def test_operators_and_service_accounts_are_no_base(api, default, roles, make_caller):
    operator = person_create(username="op")
    operator.is_staff = True
    operator.save()
    member = member_upsert(tenant=default, identity=operator, role_id=roles[0].pk)
    assert_additiv_error(api.get(f"/v2.0/members/{member.identity_id}/hierarchy"), 404)


@pytest.mark.parametrize("method, path, status, answer", [
    ("post", "/v2.0/members/{}/hierarchy/restrictions", 422, None),
    ("put", "/v1.0/identities/{}/hierarchy/exclude", 400, True)])
def test_member_restrictions_replace_the_set(api, team, acme, roles, method, path, status,
                                             answer):
    call = getattr(api, method)
    url = path.format(team[0].identity_id)
    response = call(url, [str(team[3].identity_id), str(team[4].identity_id)], format="json")
    assert response.status_code == 200
    assert (response.content == b"") if answer is None else (response.json() is answer)
    restricted = set(MemberRestriction.objects.filter(member=team[0])
                     .values_list("restricted_member_id", flat=True))
    assert restricted == {team[3].pk, team[4].pk}
    record = ChangeRecord.objects.filter(object_type="identities.member",
                                         object_id=str(team[0].pk)).latest("id")
    assert record.before == {"restricted_members": []}
    assert record.after == {"restricted_members": sorted([team[3].pk, team[4].pk])}
    stranger = people(acme, [roles[3]], prefix="s")[0]
    count = ChangeRecord.objects.count()
    for body in ([str(stranger.identity_id)], [str(uuid.uuid4())], ["nope"], [5], None,
                 {"x": 1}):
        response = call(url) if body is None else call(url, body, format="json")
        assert_additiv_error(response, status)
    assert ChangeRecord.objects.count() == count
    assert MemberRestriction.objects.filter(member=team[0]).count() == 2
    assert call(url, [], format="json").status_code == 200
    assert not MemberRestriction.objects.filter(member=team[0]).exists()


def test_member_restrictions_under_the_callers_context(api, team, default):
    context = audit_context_create(tenant=default)
    url = (f"/v2.0/members/{team[0].identity_id}/hierarchy/restrictions"
           f"?AuditContextId={context.pk}")
    assert api.post(url, [str(team[5].identity_id)], format="json").status_code == 200
    record = ChangeRecord.objects.filter(object_type="identities.member").latest("id")
    assert record.context_id == context.pk
    assert_additiv_error(api.put(f"/v1.0/identities/{team[0].identity_id}/hierarchy/exclude"
                                 "?AuditContextId=77777", [], format="json"), 400,
                         "AuditContextId")


def test_removing_a_restricted_member_records_it(team):
    member_restrictions_set(member=team[0], restricted_identity_ids=[team[5].identity_id])
    gone = team[5].pk
    member_remove(member=team[5])
    record = ChangeRecord.objects.filter(object_type="identities.member",
                                         object_id=str(team[0].pk)).latest("id")
    assert record.before == {"restricted_members": [gone]}
    assert record.after == {"restricted_members": []}


def test_tenant_member_listings_are_twins(api, team, roles):
    one = api.get("/v2.0/members")
    two = api.get("/v1.0/identities/roles/hierarchy-level")
    assert one.status_code == two.status_code == 200
    assert one.json() == two.json()
    assert ids(one.json()) == [m.pk for m in team]  # ranked, the role-less last
    assert one.json()[-1]["IdentityRole"] is None


def test_an_empty_tenant_lists_404_on_the_002_route_and_empty_on_the_003_route(make_caller,
                                                                             team, acme):
    """002 documents 404 "Couldn't find the list of tenant member policy items"; 003's twin
    lists no 404 and answers `[]`. acme has no member; the default tenant has the team."""
    empty = make_caller(HIERARCHY_PERMS, tenants=["acme"]).basic()
    assert_additiv_error(empty.get("/v2.0/members"), 404,
                         "Couldn't find the list of tenant member policy items")
    response = empty.get("/v1.0/identities/roles/hierarchy-level")
    assert response.status_code == 200 and response.json() == []


def test_twin_routes_answer_alike_for_the_same_state(api, team, roles):
    role_restrictions_set(role=roles[0], restricted_role_ids=[roles[2].pk])
    for member in team:
        first, second = (api.get(url).json() for url in hierarchy_urls(member))
        assert first == second
        for person in team:
            assert len(set(access(api, member, person.pk))) == 1
            listed = person.pk in ids(first["HierarchyItems"])
            assert access(api, member, person.pk)[0] is listed


def test_hierarchy_needs_the_view_permission(make_caller, team):
    api = make_caller(["identities.view_identityrole"], tenants=["default"]).basic()
    for url in hierarchy_urls(team[0]):
        assert_additiv_error(api.get(url), 403, "view_member")


def grow(tenant, roles, n: int, prefix: str):
    people(tenant, [roles[i % len(roles)] for i in range(n)], prefix=prefix)


@pytest.mark.parametrize("url", [
    "/v2.0/members/{}/hierarchy", "/v1.0/identities/{}/hierarchy", "/v2.0/members",
    "/v1.0/identities/roles/hierarchy-level", "/v1.0/identities/{}/hierarchy/{}/exists"])
def test_query_counts_are_flat_in_the_tenant_size(api, team, roles, default, url,
                                                  count_queries):
    role_restrictions_set(role=roles[1], restricted_role_ids=[roles[3].pk])
    member_restrictions_set(member=team[1], restricted_identity_ids=[team[3].identity_id])
    target = url.format(team[1].identity_id, team[4].pk)
    assert api.get(target).status_code == 200  # credentials cached
    counts = []
    for size in (0, 30):
        grow(default, roles, size, f"g{size}")
        with count_queries() as queries:
            assert api.get(target).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    expected = {"/v2.0/members": 5, "/v1.0/identities/roles/hierarchy-level": 5,
                "/v1.0/identities/{}/hierarchy/{}/exists": 5}
    # the client, its permissions (2), its default tenant, then the read: the access check
    # and a listing are one query; a hierarchy read is the base and one query for
    # Superiors and HierarchyItems
    assert counts[0] == expected.get(url, 6), [q["sql"] for q in queries]


def test_the_access_check_is_one_query(team, default, count_queries):
    from identities.queries.hierarchy import has_access
    with count_queries() as queries:
        assert has_access(default, team[0].identity_id, team[5].pk) is True
    assert len(queries) == 1
    with count_queries() as queries:
        assert has_access(default, uuid.uuid4(), team[5].pk) is None
    assert len(queries) == 1


def test_the_access_post_query_count(api, team, count_queries):
    url = f"/v2.0/members/{team[0].identity_id}/hierarchy/access"
    api.post(url, {"PersonId": team[5].pk}, format="json")
    with count_queries() as queries:
        assert api.post(url, {"PersonId": team[5].pk}, format="json").json() is True
    assert len(queries) == 5  # as the 003 route: client, permissions (2), tenant, check
