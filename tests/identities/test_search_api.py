"""The identity search (spec 003, `POST /v1.0/identities/search`)."""

import pytest

from identities.models import Identity, IdentityProvider, Member, Tenant
from identities.services.tenants import tenant_create
from tests.identities.dfs import ALL, assert_additiv_error

pytestmark = pytest.mark.django_db
URL = "/v1.0/identities/search"

# spec 003, "Search the identities", as written
SEARCH_SAMPLE = {
    "RoleIds": [], "IdentityIds": [], "FirstName": "Admin", "LastName": "Admin",
    "SearchTerm": "ad", "SearchIdentityBy": "All", "SearchByAllTenants": True,
    "SearchByInactive": True, "SearchBySystemAccounts": False, "SortBy": "LastName",
    "SortOrder": "Descending", "Page": 1, "PageSize": 10,
}



def person(username: str, *, tenant: str = "default", first: str = "", last: str = "",
           email: str = "", active: bool = True, enabled: bool = True, role: int = 3,
           kind: str = Identity.Kind.PERSON, provider: int | None = 1, **extra) -> Identity:
    identity = Identity.objects.create(
        username=username, first_name=first, last_name=last, email=email, is_active=active,
        kind=kind, identity_role_id=role, identity_provider_id=provider, **extra)
    Member.objects.create(tenant=Tenant.objects.get(key=tenant), identity=identity,
                          identity_role_id=role, is_enabled=enabled)
    return identity


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["UserName"] for item in response.json()["Results"]]


def search(api, **body):
    return api.post(URL, body, format="json")


@pytest.fixture
def people(acme):
    person("aadams", first="Ada", last="Adams", email="ada@example.com")
    person("bbrown", first="Bob", last="Brown", email="bob@EXAMPLE.org", role=2)
    person("cclark", first="Cyd", last="Clark", email="cyd@example.com", active=False)
    person("ddavis", first="Dee", last="Davis", email="dee@example.com", enabled=False)
    person("eevans", tenant="acme", first="Eve", last="Evans", email="eve@example.com")


def test_the_sample_as_written_is_accepted(api, people):
    person("admin1", first="Admin", last="Admin", email="a@example.com")
    response = search(api, **SEARCH_SAMPLE)
    assert names(response) == ["admin1"]
    body = response.json()
    assert (body["Page"], body["PageSize"], body["PageCount"], body["TotalCount"]) == (1, 10,
                                                                                        1, 1)
    item = body["Results"][0]
    assert item["MemberId"] is not None and item["IsTenantAccessEnabled"] is True
    assert item["IdentityRole"]["Id"] == 3


def test_default_scope_is_the_default_tenants_active_identities(api, people):
    assert names(search(api)) == ["aadams", "bbrown"]


def test_inactive_and_all_tenants_widen_the_scope(api, people):
    assert names(search(api, SearchByInactive=True)) == ["aadams", "bbrown", "cclark",
                                                         "ddavis"]
    assert names(search(api, SearchByAllTenants=True)) == ["aadams", "bbrown", "eevans"]
    assert len(names(search(api, SearchByAllTenants=True, SearchByInactive=True))) == 5


@pytest.mark.parametrize("by, term, expected", [
    ("FirstName", "DA", ["aadams"]),
    ("LastName", "row", ["bbrown"]),
    ("UserName", "BBR", ["bbrown"]),
    ("Email", "example.ORG", ["bbrown"]),
    ("FullName", "a ada", ["aadams"]),
    ("FullName", "bob brown", ["bbrown"]),
    ("RoleName", "SUPERVIS", ["bbrown"]),
    ("IdentityProviderName", "tess", ["aadams", "bbrown"]),
    ("All", "b", ["bbrown"]),
    ("All", "adv", ["aadams"]),  # the role "Advisor"
    ("All", "nobody", []),
])
def test_the_term_matches_the_chosen_field_anywhere_in_any_case(api, people, by, term,
                                                                 expected):
    assert names(search(api, SearchTerm=term, SearchIdentityBy=by)) == expected


def test_first_and_last_name_role_and_identity_filters(api, people):
    assert names(search(api, FirstName="bo", LastName="WN")) == ["bbrown"]
    assert names(search(api, RoleIds=[2])) == ["bbrown"]
    ada = Identity.objects.get(username="aadams")
    assert names(search(api, IdentityIds=[str(ada.pk)])) == ["aadams"]
    assert names(search(api, IdentityIds=[], RoleIds=[])) == ["aadams", "bbrown"]  # the sample's []


def test_sort_and_pages(api, people):
    got = search(api, SearchByInactive=True, SortBy="FirstName", SortOrder="Descending",
                 PageSize=3, Page=1)
    assert names(got) == ["ddavis", "cclark", "bbrown"]
    assert (got.json()["PageCount"], got.json()["TotalCount"]) == (2, 4)
    assert names(search(api, SearchByInactive=True, SortBy="Email", PageSize=3,
                        Page=2)) == ["ddavis"]
    assert names(search(api, Page=9)) == []


def test_nothing_found_has_no_pages(api, people):
    body = search(api, SearchTerm="zzz").json()
    assert (body["Results"], body["PageCount"], body["TotalCount"]) == ([], 0, 0)


def test_a_page_size_over_the_maximum_is_capped(api, people, settings):
    settings.API_MAX_PAGE_SIZE = 1
    body = search(api, PageSize=50).json()
    assert (body["PageSize"], len(body["Results"]), body["PageCount"]) == (1, 1, 2)


def test_system_accounts_only_when_asked_and_operators_never(api, people):
    person("robot", kind=Identity.Kind.SERVICE)
    person("operator", is_staff=True)
    assert "robot" not in names(search(api))
    assert "robot" in names(search(api, SearchBySystemAccounts=True))
    assert "operator" not in names(search(api, SearchBySystemAccounts=True,
                                          SearchByAllTenants=True, SearchByInactive=True))


def test_never_an_identity_outside_the_clients_tenants(make_caller, people):
    tenant_create(key="other", name="Other")
    person("zed", tenant="other", first="Zed")
    api = make_caller(ALL, tenants=["default"]).basic()
    everything = names(search(api, SearchByAllTenants=True, SearchByInactive=True,
                              SearchBySystemAccounts=True, PageSize=1000))
    assert "zed" not in everything and "eevans" not in everything
    assert names(search(api, SearchTerm="zed", SearchByAllTenants=True)) == []


def test_the_default_tenant_is_the_clients_first(make_caller, people):
    api = make_caller(ALL, tenants=["acme"]).basic()
    assert names(search(api, SearchByInactive=True)) == ["eevans"]


def test_global_tenant_reach_finds_people_of_any_tenant(make_caller, people):
    api = make_caller([*ALL, "identities.access_tenant"]).basic()
    assert len(names(search(api, SearchByAllTenants=True, SearchByInactive=True))) == 5


@pytest.mark.parametrize("body, field", [
    ({"SortBy": "Password"}, "SortBy"),
    ({"SearchIdentityBy": "Nick"}, "SearchIdentityBy"),
    ({"SortOrder": "Up"}, "SortOrder"),
    ({"Page": 0}, "Page"),
    ({"PageSize": 0}, "PageSize"),
    ({"SearchByInactive": "yes"}, "SearchByInactive"),
    ({"IdentityIds": ["nope"]}, "IdentityIds"),
    ({"IdentityIds": [False]}, "IdentityIds"),  # DRF's UUIDField takes ints and booleans
    ({"IdentityIds": [5]}, "IdentityIds"),
    ({"RoleIds": ["1"]}, "RoleIds"),
])
def test_bad_criteria_answer_422_naming_the_field(api, body, field):
    assert_additiv_error(search(api, **body), 422, field)


def test_the_route_is_not_taken_for_an_identity_id(api):
    assert api.get(URL).status_code == 405


def test_without_the_permission_403(make_caller):
    api = make_caller(["identities.view_member"], tenants=["default"]).basic()
    assert_additiv_error(search(api), 403, "view_identity")


@pytest.mark.parametrize("size", [10, 1000])
def test_search_query_count_is_pinned(make_caller, count_queries, size):
    api = make_caller(ALL).basic()
    tenant = Tenant.objects.get(key="default")
    provider = IdentityProvider.objects.get(pk=1)
    people = Identity.objects.bulk_create([
        Identity(username=f"bulk{i}", first_name="Bulk", identity_role_id=1,
                 identity_provider=provider, bank_branch_id=1) for i in range(SEARCHED)])
    Member.objects.bulk_create([Member(tenant=tenant, identity=p, identity_role_id=2)
                                for p in people])
    for term in (None, "bulk"):
        body = {"PageSize": size, "SearchTerm": term}
        search(api, **body)
        with count_queries() as queries:
            response = search(api, **body)
        assert len(response.json()["Results"]) == size
        assert len(queries) == SEARCH_QUERIES + (2 if term else 0), [
            q["sql"] for q in queries.captured_queries]


# the client (remembered credentials), its permissions (own, groups), the default tenant
# grant, the count, the page (role, provider, branch joined), the page's default-tenant
# members; a term adds the provider and role catalogs (SearchIdentityBy All)
SEARCH_QUERIES = 7
SEARCHED = 1005
