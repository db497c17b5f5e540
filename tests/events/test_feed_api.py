"""GET /api/events/v1/changes: the change feed over HTTP, within each client's reach.

Transactional: on PostgreSQL the feed shows committed transactions only (audit.feed)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from authorisations.services.catalog import api_client_namespaces_grant, namespace_create
from foundation import reach
from identities.services.tenants import tenant_create
from orgs.models import SUBTREES, Organization
from tests.authorisations.conftest import ALL as ONEPORTAL
from tests.orgs.conftest import ALL as CUSTOMERID

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/events/v1/changes"


def bearer(caller) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {caller.token()}")
    return client


def events(client: APIClient, **params) -> list[dict]:
    """Every event the feed gives `client`, paging by `limit`, checked to come once each."""
    found, after = [], None
    while True:
        answer = client.get(URL, {**params, **({"after": after} if after else {})})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        if not body["events"]:
            assert body["next"] == (after or body["next"])
            return found
        found += body["events"]
        after = body["next"]


@pytest.fixture
def world(make_caller):
    """Two namespaces, two organization trees and two tenants, written through the APIs by
    a client that reaches everything."""
    admin = make_caller(all_perms=True, name="admin")
    api = admin.basic()
    for code in ("ns-a", "ns-b"):
        namespace_create(code=code, name=code)
        assert api.post("/api/rest/v1/authorisation_type", {"code": "employment",
                                                            "nsCode": code},
                        format="json").status_code == 201
        assert api.post("/api/rest/v1/authorisation", {
            "nsCode": code, "authType": "employment",
            "subject": {"type": "string", "value": f"alice-{code}"},
            "object": {"type": "string", "value": "acme"}}, format="json").status_code == 201
    for org in ("acme", "globex"):
        assert api.post(f"/eidm2/services/orgs/?organizationId={org}&friendlyName={org}") \
            .status_code == 200
        assert api.post(f"/eidm2/services/users/{org}/?uid=u-{org}&firstname=U&surname=S") \
            .status_code == 200
    tenant_create(key="other", name="Other")
    return admin


def test_a_client_that_reaches_everything_pages_through_every_change_once(world):
    every = events(bearer(world), limit=3)
    types = [event["type"] for event in every]
    assert types.count("tessera.authorisation.created") == 2
    assert types.count("tessera.organization.created") == 2
    assert types.count("tessera.orguser.created") == 2
    assert len({event["id"] for event in every}) == len(every)
    assert every == events(bearer(world), limit=1000)  # the same, whatever the page size
    assert {event["specversion"] for event in every} == {"1.0"}
    assert {event["source"] for event in every if "authorisation" in event["type"]} == {
        "/tessera/api"}


def test_a_client_sees_only_its_namespace_its_subtree_and_its_tenant(world, make_caller):
    scoped = make_caller([*ONEPORTAL, *[p for p in CUSTOMERID if p != "orgs.access_subtree"],
                          "identities.view_member", "identities.view_tenant"],
                         tenants=["other"], name="scoped")
    api_client_namespaces_grant(identity=scoped.identity, codes=["ns-a"])
    reach.grant(scoped.identity, SUBTREES, Organization.objects.get(path="acme"))
    seen = events(bearer(scoped))
    about = {(event["type"], event["data"]["after"] and (
        event["data"]["after"].get("subject_value") or event["data"]["after"].get("path")
        or event["data"]["after"].get("key") or event["data"]["after"].get("uid")))
        for event in seen}
    assert ("tessera.authorisation.created", "alice-ns-a") in about
    assert ("tessera.authorisation.created", "alice-ns-b") not in about
    assert ("tessera.organization.created", "acme") in about
    assert ("tessera.organization.created", "globex") not in about
    assert ("tessera.tenant.created", "other") in about
    assert not [event for event in seen if event["data"]["after"] and (
        event["data"]["after"].get("key") == "default")]
    # kinds listed nowhere (the identities, the clients' own grants) are the whole log's
    assert not [event for event in seen if event["type"].startswith("tessera.identity.")]
    assert [event for event in events(bearer(world)) if event["type"].startswith(
        "tessera.identity.")]


def test_a_client_without_the_views_sees_nothing(world, make_caller):
    blind = make_caller([], name="blind")
    answer = bearer(blind).get(URL)
    assert answer.status_code == 200 and answer.json()["events"] == []


def test_bad_input_and_credentials(world):
    client = bearer(world)
    for params, name in (({"after": "not a cursor"}, "after"), ({"limit": "0"}, "limit"),
                         ({"limit": "1001"}, "limit"), ({"limit": "ten"}, "limit"),
                         ({"after": "1-" + "9" * 19}, "after")):
        answer = client.get(URL, params)
        assert answer.status_code == 400, params
        assert answer["Content-Type"] == "application/problem+json"
        assert name in answer.content.decode()
    assert APIClient().get(URL).status_code == 401
    assert world.basic().get(URL).status_code == 401  # Bearer only


def test_query_count_is_flat_in_the_page_size(world, django_assert_max_num_queries):
    client = bearer(world)
    client.get(URL, {"limit": "1"})  # warm: the token's lookup statement, content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for limit in ("2", "200"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"limit": limit}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
