"""asOf: the records as they stood at an instant, with the validity they had then."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.authorisations.conftest import BASE, assert_error, body

pytestmark = pytest.mark.django_db
URL = f"{BASE}/authorisation"


def stamp(moment) -> str:
    return moment.isoformat()


def test_as_of_answers_the_state_at_each_instant(api_a):
    t0 = timezone.now()
    first = api_a.post(URL, body(validTo="2040-01-01T00:00:00Z"), format="json").json()
    second = api_a.post(URL, body(subject={"type": "string", "value": "bob"}),
                        format="json").json()
    t1 = timezone.now()
    api_a.patch(f"{URL}/{first['id']}", {"validTo": "2050-01-01T00:00:00Z"}, format="json")
    t2 = timezone.now()
    api_a.post(f"{URL}/{second['id']}/revoke", {}, format="json")
    t3 = timezone.now()
    api_a.delete(f"{URL}/{first['id']}")
    t4 = timezone.now()

    def listed(at):
        data = api_a.get(URL, {"asOf": stamp(at)}).json()
        return {(r["subject"]["value"], r["validTo"]) for r in data["resources"]}

    assert listed(t0) == set()
    assert listed(t1) == {("alice", "2040-01-01T00:00:00Z"), ("bob", None)}
    assert listed(t2) == {("alice", "2050-01-01T00:00:00Z"), ("bob", None)}
    assert listed(t3) == {("alice", "2050-01-01T00:00:00Z")}
    assert listed(t4) == set()
    one = api_a.get(f"{URL}/{first['id']}", {"asOf": stamp(t1)})
    assert one.status_code == 200 and one.json()["validTo"] == "2040-01-01T00:00:00Z"
    assert one.json()["active"] is True
    assert_error(api_a.get(f"{URL}/{first['id']}", {"asOf": stamp(t4)}), 404)
    assert_error(api_a.get(f"{URL}/{first['id']}", {"asOf": stamp(t0)}), 404)
    filtered = api_a.get(URL, {"asOf": stamp(t2), "filter": 'subject.value eq "bob"',
                               "sortBy": "subject.value", "count": 5}).json()
    assert filtered["totalResults"] == 1 and filtered["resources"][0]["id"] == second["id"]
    paged = api_a.get(URL, {"asOf": stamp(t2), "sortBy": "subject.value",
                            "sortOrder": "descending", "count": 1}).json()
    assert paged["totalResults"] == 2 and paged["resources"][0]["subject"]["value"] == "bob"


def test_as_of_active_is_computed_at_that_instant(api_a):
    later = timezone.now() + timedelta(days=10)
    created = api_a.post(URL, body(validFrom=stamp(later)), format="json").json()
    future = later + timedelta(days=1)
    data = api_a.get(URL, {"asOf": stamp(future), "filter": "active eq true"}).json()
    assert [r["id"] for r in data["resources"]] == [created["id"]]
    assert data["resources"][0]["active"] is True
    assert api_a.get(URL, {"filter": "active eq true"}).json()["totalResults"] == 0


@pytest.mark.parametrize("value", ["yesterday", "2024-02-30T00:00:00Z", "1" * 100])
def test_bad_as_of_is_400(api_a, value):
    assert_error(api_a.get(URL, {"asOf": value}), 400, "asOf")
    assert_error(api_a.get(f"{URL}/00000000-0000-4000-8000-000000000000", {"asOf": value}),
                 400, "asOf")


def test_as_of_answers_the_same_absolute_location_as_now(api_a):
    created = api_a.post(URL, body(), format="json").json()
    at = stamp(timezone.now())
    location = f"http://testserver{URL}/{created['id']}"
    assert created["meta"]["location"] == location
    assert api_a.get(f"{URL}/{created['id']}", {"asOf": at}).json()["meta"]["location"] == location
    listed = api_a.get(URL, {"asOf": at}).json()["resources"]
    assert [r["meta"]["location"] for r in listed] == [location]
