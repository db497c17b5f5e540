"""Webhook subscriptions: made by `create_webhook` and in the console, with history (the secret
masked); what each receives by its type patterns and reach filters; the relay's order and its
query count. Transactional: the relay reads committed transactions (audit.feed)."""

from __future__ import annotations

import json
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import ChangeRecord
from authorisations.services.catalog import namespace_create
from events.models import Delivery, Webhook
from events.webhooks import relay as relay_module
from events.webhooks.subscriptions import webhook_create
from identities.services.people import person_create
from identities.services.tenants import tenant_create, tenant_update
from orgs.models import Organization
from orgs.services.organizations import organization_delete
from tests.events.test_delivery import relay_all

pytestmark = pytest.mark.django_db(transaction=True)
HOOK = "https://hooks.example.com/in"


@pytest.fixture(autouse=True)
def public_example(monkeypatch):
    """hooks.example.com resolves to a public address (no DNS in the tests)."""
    monkeypatch.setattr("events.webhooks.addresses.resolve", lambda host, port: (
        ["93.184.215.14"] if host.endswith("example.com") else [host]))


def test_create_webhook_prints_its_id_and_secret_once_and_the_log_masks_it():
    out = StringIO()
    call_command("create_webhook", "crm", "--url", HOOK, "--types", "tessera.orguser.*",
                 "*.deleted", "--json", stdout=out)
    made = json.loads(out.getvalue())
    assert set(made) == {"id", "secret"} and made["secret"].startswith("whsec_")
    webhook = Webhook.objects.get(pk=made["id"])
    assert (webhook.name, webhook.types, webhook.secret) == (
        "crm", ["tessera.orguser.*", "*.deleted"], made["secret"])
    change = ChangeRecord.objects.get(object_type="events.webhook")
    assert change.after["secret"] == "***" and made["secret"] not in json.dumps(change.after)
    assert change.origin == "command:create_webhook"


@pytest.mark.parametrize(("args", "message"), [
    (["--url", "http://127.0.0.1:9000/x"], "url: "),
    (["--url", "http://169.254.169.254/latest"], "url: "),
    (["--url", "ftp://hooks.example.com/"], "url: "),
    (["--url", HOOK, "--namespace", "nope"], "namespace: no namespace 'nope'"),
    (["--url", HOOK, "--org", "nowhere"], "org_path: no organization 'nowhere'"),
    (["--url", HOOK, "--tenant", "nobody"], "tenant: no tenant 'nobody'"),
])
def test_create_webhook_refuses_bad_input_and_writes_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_webhook", "bad", *args, "--json", stdout=StringIO())
    assert not Webhook.objects.exists()
    assert not ChangeRecord.objects.filter(object_type="events.webhook").exists()


def test_a_duplicate_name_is_refused():
    webhook_create(name="crm", url=HOOK)
    with pytest.raises(CommandError, match="name"):
        call_command("create_webhook", "crm", "--url", HOOK, stdout=StringIO())


def test_the_console_makes_a_subscription_shows_its_secret_once_and_keeps_history(client):
    client.force_login(person_create(username="root", password="pw-Operat0r!",
                                     superuser=True))
    answer = client.post(reverse("admin:events_webhook_add"), {
        "name": "crm", "url": HOOK, "types": "tessera.orguser.*\n\n*.deleted",
        "namespace": "", "org_path": "", "tenant": "", "active": "on"}, follow=True)
    webhook = Webhook.objects.get()
    assert webhook.types == ["tessera.orguser.*", "*.deleted"]
    assert webhook.secret.encode() in answer.content  # shown once, on the page after adding
    page = client.get(reverse("admin:events_webhook_change", args=[webhook.pk]))
    assert webhook.secret.encode() not in page.content
    assert b"Rotate the signing secret" in page.content
    old = webhook.secret
    client.post(reverse("admin:events_webhook_rotate", args=[webhook.pk]))
    webhook.refresh_from_db()
    assert webhook.secret != old
    history = client.get(reverse("admin:events_webhook_history", args=[webhook.pk]))
    assert history.status_code == 200 and old.encode() not in history.content
    assert ChangeRecord.objects.filter(object_type="events.webhook").count() == 2
    refused = client.post(reverse("admin:events_webhook_add"), {
        "name": "inward", "url": "http://10.0.0.5/", "types": "", "active": "on"})
    assert refused.status_code == 200 and b"10.0.0.5" in refused.content
    assert not Webhook.objects.filter(name="inward").exists()


def received(name: str) -> list[str]:
    return list(Delivery.objects.filter(webhook__name=name).order_by("record_id")
                .values_list("event_type", flat=True))


def test_types_and_reach_filters_decide_what_each_subscription_receives(make_caller):
    namespace_create(code="ns-a", name="A")
    namespace_create(code="ns-b", name="B")
    tenant_create(key="blue", name="Blue")
    api = make_caller(all_perms=True, name="admin").basic()
    assert api.post("/eidm2/services/orgs/?organizationId=acme&friendlyName=Acme") \
        .status_code == 200
    for name, filters in {"all": {}, "orgusers": {"types": ["tessera.orguser.*"]},
                          "deletions": {"types": ["*.deleted"]},
                          "ns-a": {"namespace": "ns-a"}, "acme": {"org_path": "acme"},
                          "blue": {"tenant": "blue"}}.items():
        webhook_create(name=name, url=HOOK, **filters)
    for code in ("ns-a", "ns-b"):
        assert api.post("/api/rest/v1/authorisation_type", {
            "code": "employment", "nsCode": code}, format="json").status_code == 201
    for org in ("acme/sales", "globex"):
        parent, _, name = org.rpartition("/")
        target = f"/eidm2/services/orgs/{parent}" if parent else "/eidm2/services/orgs/"
        assert api.post(f"{target}?organizationId={name}&friendlyName={name}").status_code \
            == 200
        assert api.post(f"/eidm2/services/users/{org}/?uid=u-{name}&firstname=U&surname=S") \
            .status_code == 200
    tenant_update(tenant=tenant_create(key="green", name="Green"), name="Greener")
    blue = tenant_create(key="blue2", name="x")
    tenant_update(tenant=blue, name="y")
    organization_delete(organization=Organization.objects.get(path="acme"), recursive=True)
    relay_all()
    every = received("all")
    assert every.count("tessera.orguser.created") == 2 and "tessera.tenant.updated" in every
    assert received("orgusers") == ["tessera.orguser.created"] * 2 + [
        "tessera.orguser.deleted"]
    assert set(received("deletions")) == {"tessera.orguser.deleted", "tessera.organization.deleted",
                                          "tessera.role.deleted"} - (
        set() if "tessera.role.deleted" in every else {"tessera.role.deleted"})
    assert received("ns-a") == ["tessera.authorisationtype.created"]
    acme = received("acme")
    # the subtree's own changes, its removal included (the organizations are gone by the time
    # the relay reads: their last records place them), and nothing of globex
    assert acme.count("tessera.organization.created") == 1  # sales (acme was made before)
    assert acme.count("tessera.organization.deleted") == 2
    assert acme.count("tessera.orguser.created") == 1 and "tessera.orguser.deleted" in acme
    assert not [t for t in acme if "tenant" in t or "authorisation" in t]
    assert received("blue") == []  # made before the subscription; blue2 is another tenant


def test_a_subscription_receives_changes_from_its_creation_on_and_each_once():
    tenant_create(key="before", name="Before")
    webhook_create(name="hook", url=HOOK)
    tenant_create(key="after", name="After")
    relay_all()
    relay_all()
    relay_module.relay()
    (delivery,) = Delivery.objects.all()
    assert ChangeRecord.objects.get(pk=delivery.record_id).after["key"] == "after"


def test_an_earlier_record_beyond_the_page_is_pulled_forward_so_the_lane_keeps_order():
    webhook_create(name="hook", url=HOOK)
    start = relay_module.head(settled_only=False)
    context_id = ChangeRecord.objects.latest("id").context_id
    # a transaction that took its xid early committed the object's later change: in the
    # feed's (xid, id) order the later change comes first, on a page of its own
    earlier = ChangeRecord.objects.create(context_id=context_id, action="update",
                                          object_type="identities.tenant", object_id="77",
                                          after={"name": "first"}, xid=start.xid + 10)
    later = ChangeRecord.objects.create(context_id=context_id, action="update",
                                        object_type="identities.tenant", object_id="77",
                                        after={"name": "second"}, xid=start.xid + 5)
    assert relay_module.relay_page(size=1) == 1
    lane = dict(Delivery.objects.values_list("record_id", "status"))
    assert lane == {earlier.pk: "queued", later.pk: "waiting"}
    relay_module.relay()
    assert Delivery.objects.count() == 2  # the pulled-forward record is not relayed twice


def test_the_relay_s_queries_are_flat_in_the_page_size():
    webhook_create(name="hook", url=HOOK)
    webhook_create(name="tenants", url=HOOK, types=["tessera.tenant.*"])
    relay_all()
    counts = []
    for batch in (3, 30):  # (SQLite splits an INSERT of over 999 values)
        for i in range(batch):
            tenant_create(key=f"t{batch}-{i}", name="T")
        with CaptureQueriesContext(connection) as queries:
            assert relay_module.relay_page(size=1000) == batch
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert Delivery.objects.filter(event_type="tessera.tenant.created").count() == 2 * 33


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL query plan")
def test_the_relay_looks_up_the_deliveries_already_made_by_index_not_by_reading_them_all():
    """Deliveries are kept: the relay's check of a page's records against those already made
    must stay a look-up in the (webhook, record) index however many there are."""
    hook = webhook_create(name="hook", url=HOOK).webhook
    relay_all()
    Delivery.objects.bulk_create([
        Delivery(webhook=hook, record_id=10**9 + i, event_type="tessera.tenant.created",
                 lane=f"identities.tenant:{i}", status=Delivery.Status.DELIVERED,
                 retry_until=hook.created_at) for i in range(20_000)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_delivery")
    tenant_create(key="new", name="New")
    deadline = time.monotonic() + 30
    while True:  # the feed waits for older transactions of the cluster to end (relay_all)
        with CaptureQueriesContext(connection) as queries:
            if relay_module.relay_page() == 1:
                break
        assert time.monotonic() < deadline, "the relay did not read the new record"
        time.sleep(0.02)
    (lookup,) = [q["sql"] for q in queries.captured_queries
                 if q["sql"].startswith("SELECT") and 'FROM "events_delivery"' in q["sql"]
                 and '"events_delivery"."record_id" IN' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + lookup)
        plan = cursor.fetchone()[0][0]["Plan"]
    pages = plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]
    assert pages < 20, (pages, plan["Node Type"])
