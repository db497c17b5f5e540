"""Lists and searches of /Users: the filter grammar (RFC 7644 §3.4.2.2) over the attributes
Tessera maps, paging, sorting, attribute selection; and a page's queries, flat in its size."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orgs.models import OrgUser
from tests.scim.conftest import ENTERPRISE, USER, scim_error, user_body

pytestmark = pytest.mark.django_db

PEOPLE = [
    ("alice@example.com", "Alice", "Smith", "alice@example.com", True, "e-1", "+35840111"),
    ("bob@example.com", "Bob", "Jones", "bob@work.example.com", True, "e-2", ""),
    ("carol@example.org", "Carol", "Smithers", "", False, None, "+35840333"),
    ("Dave", "Dave", "Brown", "dave@example.org", True, "E-4", ""),
]


@pytest.fixture
def people(scim) -> dict[str, str]:
    made = {}
    for user_name, given, family, email, active, external, mobile in PEOPLE:
        body = user_body(user_name, name={"givenName": given, "familyName": family},
                         active=active)
        if email:
            body["emails"] = [{"value": email, "type": "work", "primary": True}]
        if external:
            body["externalId"] = external
        if mobile:
            body["phoneNumbers"] = [{"value": mobile, "type": "mobile"}]
        response = scim.post("/Users", body)
        assert response.status_code == 201, response.content
        made[given] = response.json()["id"]
    return made


def names(scim, query: str) -> list[str]:
    response = scim.get(f"/Users?{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert body["itemsPerPage"] == len(body["Resources"])
    return [resource["name"]["givenName"] for resource in body["Resources"]]


def filtered(scim, text: str) -> set[str]:
    return set(names(scim, f"filter={quote(text)}&count=1000"))


@pytest.mark.parametrize("text, expected", [
    ('userName eq "alice@example.com"', {"Alice"}),
    ('userName eq "ALICE@EXAMPLE.COM"', {"Alice"}),  # caseExact false
    ('userName ne "alice@example.com"', {"Bob", "Carol", "Dave"}),
    ('userName co "EXAMPLE"', {"Alice", "Bob", "Carol"}),
    ('userName sw "b"', {"Bob"}),
    ('userName ew ".org"', {"Carol"}),
    ("userName pr", {"Alice", "Bob", "Carol", "Dave"}),
    ('userName gt "c"', {"Carol"}),  # case-sensitive order: "Dave" < "c"
    ('name.familyName sw "smith"', {"Alice", "Carol"}),
    ('name.givenName eq "dave"', {"Dave"}),
    ('emails.value co "work"', {"Bob"}),
    ('emails eq "dave@example.org"', {"Dave"}),
    ('emails[type eq "work" and value ew "example.org"]', {"Dave"}),
    ('emails[type eq "home"]', set()),
    ("emails pr", {"Alice", "Bob", "Dave"}),
    ("not (emails pr)", {"Carol"}),
    ('phoneNumbers[type eq "mobile"]', {"Alice", "Carol"}),
    ("active eq false", {"Carol"}),
    ("active eq true and not (userName co \"bob\")", {"Alice", "Dave"}),
    ('externalId eq "e-1"', {"Alice"}),
    ('externalId eq "e-4"', set()),  # externalId is case-exact
    ("externalId pr", {"Alice", "Bob", "Dave"}),
    ('userName sw "a" or userName sw "b" and active eq false', {"Alice"}),
    ('(userName sw "a" or userName sw "b") and active eq true', {"Alice", "Bob"}),
    ('name.familyName eq "Smith" or name.familyName eq "Brown"', {"Alice", "Dave"}),
])
def test_filters(scim, people, text, expected):
    assert filtered(scim, text) == expected


def test_filters_by_id_and_meta(scim, people):
    assert filtered(scim, f'id eq "{people["Bob"]}"') == {"Bob"}
    now = timezone.now()
    later = (now + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    earlier = (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert filtered(scim, f'meta.lastModified gt "{later}"') == set()
    assert filtered(scim, f'meta.lastModified ge "{earlier}"') == {"Alice", "Bob", "Carol",
                                                                   "Dave"}
    assert filtered(scim, f'meta.created lt "{earlier}"') == set()
    assert filtered(scim, f'meta.created le "{later}"') == {"Alice", "Bob", "Carol", "Dave"}
    # a PATCH moves lastModified
    OrgUser.objects.filter(pk=people["Carol"]).update(modified_at=now - timedelta(days=2))
    OrgUser.objects.filter(pk=people["Dave"]).update(modified_at=now - timedelta(days=2))
    from scim.models import ScimProfile
    ScimProfile.objects.update(modified_at=now - timedelta(days=2))
    scim.patch(f"/Users/{people['Dave']}", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "title", "value": "Boss"}]})
    assert filtered(scim, f'meta.lastModified gt "{earlier}"') >= {"Dave"}
    assert "Carol" not in filtered(scim, f'meta.lastModified gt "{earlier}"')


@pytest.mark.parametrize("text", [
    "userName", 'userName eq', 'userName zz "a"', 'nickName eq "x"', 'title eq "x"',
    'active eq "true"', 'meta.created gt "yesterday"', 'id eq "not-a-uuid"',
    'userName eq "a" and', "(userName pr", 'emails[value eq "a"', 'a[b[c eq "d"]]',
])
def test_a_bad_filter_is_a_400_invalid_filter(scim, people, text):
    body = scim_error(scim.get(f"/Users?filter={quote(text)}"), 400, "invalidFilter")
    assert body["detail"].startswith("filter:")


def test_paging(scim, people):
    assert names(scim, "sortBy=name.givenName") == ["Alice", "Bob", "Carol", "Dave"]
    assert names(scim, "sortBy=name.givenName&startIndex=2&count=2") == ["Bob", "Carol"]
    assert names(scim, "sortBy=name.givenName&startIndex=0&count=1") == ["Alice"]
    assert names(scim, "sortBy=name.givenName&startIndex=4&count=5") == ["Dave"]
    assert names(scim, "startIndex=9") == []
    assert names(scim, "count=0") == [] and names(scim, "count=-3") == []
    response = scim.get("/Users?count=1&startIndex=3&sortBy=userName").json()
    assert response["totalResults"] == 4 and response["startIndex"] == 3
    assert response["itemsPerPage"] == 1
    scim_error(scim.get("/Users?count=many"), 400, "invalidValue")
    scim_error(scim.get("/Users?startIndex=1.5"), 400, "invalidValue")


def test_sorting(scim, people):
    assert names(scim, "sortBy=name.familyName") == ["Dave", "Bob", "Alice", "Carol"]
    assert names(scim, "sortBy=name.familyName&sortOrder=descending") == [
        "Carol", "Alice", "Bob", "Dave"]
    assert names(scim, "sortBy=userName") == ["Dave", "Alice", "Bob", "Carol"]
    assert names(scim, "sortBy=emails.value")[0] == "Carol"  # empty first
    assert names(scim, "sortBy=externalId&sortOrder=DESCENDING")[-1] == "Carol"  # none last
    scim_error(scim.get("/Users?sortBy=nickName"), 400, "invalidValue")
    scim_error(scim.get("/Users?sortOrder=up"), 400, "invalidValue")


def test_attributes_and_excluded_attributes(scim, people):
    response = scim.get("/Users?attributes=userName,name.givenName&sortBy=userName").json()
    assert response["Resources"][0] == {"schemas": [USER], "id": people["Dave"],
                                        "userName": "Dave", "name": {"givenName": "Dave"}}
    response = scim.get(f"/Users/{people['Alice']}?excludedAttributes=emails,name,meta")
    body = response.json()
    assert "emails" not in body and "name" not in body and body["userName"]
    assert body["id"] == people["Alice"]
    response = scim.get(f"/Users/{people['Alice']}?attributes={ENTERPRISE}:department")
    assert set(response.json()) == {"schemas", "id"}
    scim_error(scim.get("/Users?attributes=userName&excludedAttributes=name"), 400,
               "invalidValue")


def test_search_posts_the_query(scim, people):
    response = scim.post("/Users/.search", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'name.familyName sw "Smith"', "sortBy": "name.givenName",
        "sortOrder": "descending", "attributes": ["name.givenName"], "count": 5})
    assert response.status_code == 200, response.content
    assert [r["name"]["givenName"] for r in response.json()["Resources"]] == ["Carol", "Alice"]
    assert set(response.json()["Resources"][0]) == {"schemas", "id", "name"}
    scim_error(scim.post("/Users/.search", {"filter": "bad"}), 400, "invalidFilter")
    scim_error(scim.post("/Users/.search", ["x"]), 400, "invalidSyntax")
    root = scim.post("/.search", {"filter": 'name.givenName eq "Bob"'})
    assert [r["id"] for r in root.json()["Resources"]] == [people["Bob"]]


def test_a_page_takes_the_same_queries_whatever_its_size(scim, acme):
    counts = []
    for total in (2, 40):
        while OrgUser.objects.count() < total:
            number = OrgUser.objects.count()
            scim.post("/Users", user_body(f"user{number}", title="x", emails=[
                {"value": f"u{number}@example.com", "type": "work"}],
                **{"schemas": [USER, ENTERPRISE], ENTERPRISE: {"department": "D"}}))
        with CaptureQueriesContext(connection) as queries:
            response = scim.get('/Users?filter=userName sw "user"&sortBy=userName&count=100')
        assert len(response.json()["Resources"]) == total
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 4, counts  # the token, its last use, the count, the page
