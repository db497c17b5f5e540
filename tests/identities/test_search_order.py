"""The identity search reads a page either by walking the sort field's index or by sorting
the matches (identities.queries.search.count_and_order): the same rows in the same order
either way."""

from __future__ import annotations

import pytest
from django.db import connection

from foundation import reach
from identities.models import TENANTS, Identity, Member, Tenant
from identities.queries import directory
from identities.queries.search import SORT_FIELDS, IdentitySearch, count_and_order, identities_query

pytestmark = pytest.mark.django_db
LAST = ["Svensson", "Berg", "Andersson", "Holm", "Ek"]


@pytest.fixture
def caller(make_caller):
    return make_caller(["identities.view_identity"], tenants=["default"])


@pytest.fixture
def crowd(db):
    """40 people of the default tenant (clustered last names, equal names tie on the id)."""
    tenant = Tenant.objects.get(key="default")
    people = Identity.objects.bulk_create(
        Identity(username=f"p{i:02}", first_name=["Anna", "Bo"][i % 2],
                 last_name=LAST[i % len(LAST)], email=f"x{(i * 7) % 40:02}@example.com")
        for i in range(40))
    Member.objects.bulk_create(Member(tenant=tenant, identity=p) for p in people)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE identities_identity")  # the table size it reads


def expected(criteria: IdentitySearch) -> list[str]:
    field = SORT_FIELDS.get(criteria.sort or "", "username")
    people = [p for p in Identity.objects.filter(username__startswith="p")
              if not criteria.term or criteria.term.lower() in
              f"{p.username}|{p.email}|{p.first_name} {p.last_name}".lower()]
    people.sort(key=lambda p: (getattr(p, field), p.pk), reverse=criteria.descending)
    return [p.username for p in people]


@pytest.mark.parametrize("sort", ["LastName", "FirstName", "Email", "UserName"])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("term, walked", [("sson", False), ("e", True), (None, True)],
                         ids=["few-sorted", "most-walked", "all-walked"])
def test_either_way_the_same_rows_in_the_same_order(caller, crowd, sort, descending, term,
                                                     walked):
    client = caller.identity
    criteria = IdentitySearch(term=term, sort=sort, descending=descending)
    tenants = reach.of(client, TENANTS)
    rows = identities_query(tenants, criteria=criteria,
                            default_tenant=directory.default_tenant_for(tenants))
    total, ordered = count_and_order(rows, criteria)
    want = expected(criteria)
    assert total == len(want)
    assert [p.username for p in ordered] == want
    assert [p.username for p in ordered[3:8]] == want[3:8]
    assert ("|| '')" not in str(ordered.query)) is walked, str(ordered.query)


def test_through_the_api_a_page_of_a_sorted_few(caller, crowd):
    api = caller.basic()
    criteria = IdentitySearch(term="sson", sort="LastName", descending=True)
    body = api.post("/v1.0/identities/search", {
        "SearchTerm": "sson", "SortBy": "LastName", "SortOrder": "Descending",
        "PageSize": 5, "Page": 2}, format="json").json()
    want = expected(criteria)
    assert body["TotalCount"] == len(want) == 16
    assert [item["UserName"] for item in body["Results"]] == want[5:10]
