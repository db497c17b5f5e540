"""check, and query counts that do not grow with page size."""

from datetime import timedelta

import pytest
from django.utils import timezone

from authorisations.services.authorisations import authorisation_create
from authorisations.validation import clean_authorisation
from tests.authorisations.conftest import BASE, assert_error, body

pytestmark = pytest.mark.django_db
URL = f"{BASE}/authorisation"


def test_check_honours_type_window_revocation_and_instant(api_a):
    now = timezone.now()
    created = api_a.post(URL, body(validFrom=(now - timedelta(days=1)).isoformat(),
                                   validTo=(now + timedelta(days=1)).isoformat()),
                         format="json").json()
    params = {"subject": "alice", "object": "acme", "authType": "employment"}
    assert api_a.get(f"{URL}/check", params).json() == {
        "authorised": True, "authorisations": [created["id"]]}
    assert api_a.get(f"{URL}/check", {**params, "authType": "mandate"}).json()["authorised"] \
        is False
    assert api_a.get(f"{URL}/check", {**params, "subject": "ALICE"}).json()["authorised"] is False
    later = (now + timedelta(days=2)).isoformat()
    assert api_a.get(f"{URL}/check", {**params, "at": later}).json()["authorised"] is False
    assert api_a.get(f"{URL}/check", {**params, "subjectType": "user"}).json()["authorised"] \
        is False
    assert api_a.get(f"{URL}/check", {**params, "nsCode": "ns-a",
                                      "subjectType": "STRING"}).json()["authorised"] is True
    api_a.post(f"{URL}/{created['id']}/revoke", {}, format="json")
    assert api_a.get(f"{URL}/check", params).json()["authorised"] is False
    assert_error(api_a.get(f"{URL}/check", {"subject": "a"}), 400, "object", "authType")
    assert_error(api_a.get(f"{URL}/check", {**params, "at": "noon"}), 400, "at")


def make_rows(namespace, n):
    for i in range(n):
        authorisation_create(namespace=namespace, data=clean_authorisation(body(
            authSource="hr", subject={"type": "string", "value": f"s{i}"})))


@pytest.mark.parametrize("size", [1, 30])
def test_list_query_count_is_flat(api_a, ns_a, count_queries, size):
    make_rows(ns_a, size)
    api_a.get(URL)  # warm the content-type cache
    with count_queries() as queries:
        response = api_a.get(URL, {"count": size, "filter": 'authSource eq "hr"'})
    assert response.json()["itemsPerPage"] == size
    # user, its two permission sets, count, page (namespaces as a subquery)
    assert len(queries) == 5, [q["sql"] for q in queries.captured_queries]
    with count_queries() as queries:
        response = api_a.get(URL, {"count": size, "asOf": timezone.now().isoformat()})
    assert response.json()["itemsPerPage"] == size
    # user, permissions (2), count of the union, page keys, the page's rows
    assert len(queries) == 6, [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("size", [1, 30])
def test_check_and_type_list_query_counts_are_flat(api_a, ns_a, count_queries, size):
    make_rows(ns_a, size)
    params = {"subject": "s0", "object": "acme", "authType": "employment"}
    api_a.get(f"{URL}/check", params)
    with count_queries() as queries:
        assert api_a.get(f"{URL}/check", params).json()["authorised"] is True
    assert len(queries) == 4, [q["sql"] for q in queries.captured_queries]
    with count_queries() as queries:
        api_a.get(f"{BASE}/authorisation_type", {"count": size})
    assert len(queries) == 5
