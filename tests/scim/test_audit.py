"""Every SCIM write is audited as the other surfaces' are: the orgs services' own change
records (so the change events too), the SCIM profile's beside them, the token's service
account as the actor, one audit context per request."""

from __future__ import annotations

import pytest

from audit.events import as_dict
from audit.models import AuditContext, ChangeRecord
from tests.scim.conftest import patch_body, user_body

pytestmark = pytest.mark.django_db


def records_since(mark: int):
    return list(ChangeRecord.objects.filter(pk__gt=mark).order_by("pk"))


def last() -> int:
    return ChangeRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.parametrize("write", ["create", "replace", "patch", "delete"])
def test_each_write_is_recorded_under_one_context_as_the_token(scim, acme_token, write):
    body = user_body("alice@example.com", title="CFO", emails=[{"value": "a@example.com"}])
    user = scim.post("/Users", body).json() if write != "create" else None
    mark, contexts = last(), AuditContext.objects.count()
    if write == "create":
        scim.post("/Users", body)
        expected = {("orgs.orguser", "create"), ("scim.scimprofile", "create")}
    elif write == "replace":
        scim.put(f"/Users/{user['id']}", user_body("alice@example.com", title="CEO",
                                                   name={"givenName": "Alice"}))
        expected = {("orgs.orguser", "update"), ("scim.scimprofile", "update")}
    elif write == "patch":
        scim.patch(f"/Users/{user['id']}", patch_body(
            {"op": "Replace", "path": "active", "value": "False"}))
        expected = {("orgs.orguser", "update"), ("scim.scimprofile", "update")}
    else:
        scim.delete(f"/Users/{user['id']}")
        expected = {("orgs.orguser", "delete"), ("scim.scimprofile", "delete")}
    records = [r for r in records_since(mark) if r.object_type != "audit.auditcontext"]
    assert {(r.object_type, r.action) for r in records} >= expected
    assert AuditContext.objects.count() == contexts + 1
    assert len({r.context_id for r in records}) == 1
    account = acme_token.token.identity
    assert {(r.actor_id, r.actor_repr, r.origin) for r in records} == {
        (account.pk, "scim.acme.entra", "api")}
    context = AuditContext.objects.get(pk=records[0].context_id)
    assert context.client_id == account.pk and context.implicit


def test_the_change_events_name_the_token_and_the_customerid_kinds(scim):
    user = scim.post("/Users", user_body("alice@example.com")).json()
    record = ChangeRecord.objects.get(object_type="orgs.orguser", object_id=user["id"])
    event = as_dict(record)
    assert event["type"] == "tessera.orguser.created"
    assert event["actor"] == "scim.acme.entra" and event["source"] == "/tessera/api"


def test_reads_and_refusals_write_nothing(scim):
    user = scim.post("/Users", user_body("alice@example.com")).json()
    mark = last()
    scim.get(f"/Users/{user['id']}")
    scim.get("/Users?filter=userName pr")
    scim.post("/Users", user_body("alice@example.com"))  # taken: 409
    scim.patch(f"/Users/{user['id']}", patch_body({"op": "bogus"}))
    assert records_since(mark) == []
