"""Webhook deliveries end to end, in this process: a change made through any surface reaches
a subscribed receiver as a Standard Webhooks delivery it verifies, carrying the CloudEvent;
failures are retried with backoff, one object's events keep their order, dead letters are
replayed, lost tasks recovered.

Transactional: on PostgreSQL the relay reads committed transactions only (audit.feed)."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from audit.events import as_dict
from audit.feed import Cursor
from audit.models import ChangeRecord
from events.models import Delivery, RelayPosition
from events.webhooks import recovery
from events.webhooks.attempts import backoff
from events.webhooks.relay import head, relay
from events.webhooks.subscriptions import webhook_create, webhook_save
from events.webhooks.worker import Loop
from identities.services.people import person_create
from identities.services.tenants import tenant_create, tenant_update
from tests.events.receiver import receiving

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def private_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver listens on loopback


@pytest.fixture
def receiver():
    with receiving() as r:
        yield r


def subscribe(receiver, name="hook", **filters):
    made = webhook_create(name=name, url=receiver.url, **filters)
    receiver.secret = made.secret
    return made.webhook


def relay_all() -> None:
    """Relay every record written so far. On PostgreSQL the relay waits for every writing
    transaction older than the newest record to end, in any database of the cluster (another
    test run's may be open a moment)."""
    newest, deadline = head(settled_only=False), time.monotonic() + 30
    while Cursor.parse(RelayPosition.objects.get().cursor) < newest:
        assert time.monotonic() < deadline, "the relay did not catch up"
        relay()
        time.sleep(0.02)


def deliver_now() -> dict:
    """What `deliver_events --once` does, once every record written so far can be relayed."""
    relay_all()
    return Loop().run(once=True)


def due_now():
    """Every retry scheduled for later made due now (the clock moved on)."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())


def test_a_change_through_the_api_arrives_verified_as_its_cloudevent(receiver, make_caller):
    subscribe(receiver)
    api = make_caller(all_perms=True, name="integrator").basic()
    assert api.post("/eidm2/services/orgs/?organizationId=acme&friendlyName=Acme") \
        .status_code == 200
    deliver_now()
    (got,) = [r for r in receiver.wait_for(1) if r.event["type"] == "tessera.organization.created"]
    record = ChangeRecord.objects.get(object_type="orgs.organization")
    assert got.verified and got.id == f"chg_{record.pk}" == got.event["id"]
    assert got.headers["content-type"] == "application/cloudevents+json"
    assert got.event == as_dict(record)
    assert got.event["source"] == "/tessera/api" and got.event["actor"] == "integrator"
    assert got.event["data"]["after"]["path"] == "acme"
    delivery = Delivery.objects.get(record_id=record.pk)
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)


def test_changes_through_the_console_a_command_and_an_import_arrive_too(receiver, client,
                                                                       tmp_path):
    subscribe(receiver)
    client.force_login(person_create(username="root", password="pw-Operat0r!",
                                     superuser=True))
    assert client.post(reverse("admin:identities_tenant_add"),
                       {"key": "northwind", "name": "Northwind"}).status_code == 302
    call_command("create_tenant", "initech", stdout=StringIO())
    rows = tmp_path / "orgs.csv"
    rows.write_text("path,friendlyName\n" + "".join(f"org{i},Org {i}\n" for i in range(30)))
    call_command("import_orgs", str(rows), stdout=StringIO())
    deliver_now()
    got = receiver.wait_for(33)
    sources = {r.event["source"] for r in got}
    assert {"/tessera/admin", "/tessera/command/create_tenant",
            "/tessera/command/import_orgs"} <= sources
    assert all(r.verified for r in got)
    imported = [r for r in got if r.event["source"] == "/tessera/command/import_orgs"]
    assert len(imported) == 30 and {r.event["type"] for r in imported} == {
        "tessera.organization.created"}
    assert len(set(receiver.ids())) == len(receiver.ids())  # each once


def test_a_receiver_answering_500_gets_the_same_event_again(receiver):
    receiver.answer = lambda event_id, seen: 500 if seen == 0 else 204
    subscribe(receiver)
    tenant = tenant_create(key="t1", name="One")
    deliver_now()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("queued", 1, 500)
    assert delivery.last_response == "answer 500" and delivery.last_error == "answered 500"
    # the first retry comes within 30 seconds
    assert timezone.now() < delivery.next_attempt_at < timezone.now() + timedelta(seconds=30)
    deliver_now()
    assert len(receiver.got) == 1  # not due yet
    due_now()
    deliver_now()
    first, second = receiver.wait_for(2)
    assert first.id == second.id == f"chg_{ChangeRecord.objects.get(object_id=tenant.pk).pk}"
    assert first.verified and second.verified
    assert first.headers["webhook-timestamp"] <= second.headers["webhook-timestamp"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 2, 204)


def test_backoff_grows_with_jitter_and_the_first_retry_is_within_30_seconds():
    firsts = [backoff(1).total_seconds() for _ in range(200)]
    assert min(firsts) >= 2.5 and max(firsts) <= 7.5 and len(set(firsts)) > 100
    assert 40 <= backoff(5).total_seconds() <= 120
    assert backoff(30).total_seconds() <= 5400


def test_one_objects_events_arrive_in_commit_order_behind_a_failure(receiver):
    receiver.answer = lambda event_id, seen: 503 if seen == 0 and len(receiver.got) == 1 else 200
    subscribe(receiver)
    tenant = tenant_create(key="t1", name="One")
    tenant_update(tenant=tenant, name="Two")
    tenant_update(tenant=tenant, name="Three")
    other = tenant_create(key="t2", name="Other")
    deliver_now()
    # the first fails; the object's later changes wait, another object's is not held up
    statuses = dict(Delivery.objects.values_list("record_id", "status"))
    records = list(ChangeRecord.objects.filter(object_type="identities.tenant")
                   .order_by("id").values_list("pk", "object_id"))
    mine = [pk for pk, object_id in records if object_id == str(tenant.pk)]
    theirs = [pk for pk, object_id in records if object_id == str(other.pk)]
    assert [statuses[pk] for pk in mine] == ["queued", "waiting", "waiting"]
    assert statuses[theirs[0]] == "delivered"
    due_now()
    deliver_now()
    names = [r.event["data"]["after"]["name"] for r in receiver.got
             if r.event["subject"] == str(tenant.pk)]
    assert names == ["One", "One", "Two", "Three"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_after_the_retry_period_a_dead_letter_and_the_next_goes_on(receiver, settings, client):
    settings.WEBHOOK_RETRY_HOURS = 0  # the first failure is the last
    receiver.answer = lambda event_id, seen: 500 if len(receiver.got) == 1 else 200
    webhook = subscribe(receiver)
    tenant = tenant_create(key="t1", name="One")
    tenant_update(tenant=tenant, name="Two")
    deliver_now()
    first, second = Delivery.objects.order_by("record_id")
    assert (first.status, second.status) == ("dead", "delivered")
    # the console lists it and sends it again
    client.force_login(person_create(username="root", password="pw-Operat0r!",
                                     superuser=True))
    page = client.get(reverse("admin:events_delivery_changelist") + "?status__exact=dead")
    assert page.status_code == 200 and f"chg_{first.record_id}".encode() in page.content
    hooks = client.get(reverse("admin:events_webhook_changelist")).content.decode()
    assert f'?webhook__id__exact={webhook.pk}&amp;status__exact=dead">1</a>' in hooks
    settings.WEBHOOK_RETRY_HOURS = 24
    assert client.post(reverse("admin:events_webhook_replay", args=[webhook.pk])) \
        .status_code == 302
    first.refresh_from_db()
    assert first.status == "queued" and first.retry_until > timezone.now() + timedelta(hours=23)
    deliver_now()
    first.refresh_from_db()
    assert first.status == "delivered" and first.attempts == 2
    assert receiver.ids().count(f"chg_{first.record_id}") == 2


def test_a_lost_task_is_taken_up_again_with_the_same_webhook_id(receiver, settings):
    subscribe(receiver)
    tenant_create(key="t1", name="One")
    relay_all()
    delivery = Delivery.objects.get()
    # a worker claimed it and was killed: RUNNING, started long ago, never finished
    DBTaskResult.objects.filter(id=delivery.task_id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(minutes=5))
    settings.WEBHOOK_LEASE_SECONDS = 30
    assert recovery.recover() == 1
    delivery.refresh_from_db()
    assert delivery.task_id != DBTaskResult.objects.get(
        status=TaskResultStatus.RUNNING).id
    deliver_now()
    (got,) = receiver.wait_for(1)
    assert got.id == delivery.event_id and got.verified
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert recovery.recover() == 0


def test_a_running_task_within_its_lease_is_left_alone(receiver):
    subscribe(receiver)
    tenant_create(key="t1", name="One")
    relay_all()
    delivery = Delivery.objects.get()
    DBTaskResult.objects.filter(id=delivery.task_id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now())
    assert recovery.recover() == 0


def test_a_defect_in_an_attempt_is_a_failed_attempt_retried_not_a_lost_task(receiver,
                                                                            monkeypatch):
    subscribe(receiver)
    tenant_create(key="t1", name="One")

    def broken(url, request):
        raise RuntimeError("a defect")

    monkeypatch.setattr("events.webhooks.sender.post", broken)
    deliver_now()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert delivery.last_error == "internal error: RuntimeError"
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists()
    monkeypatch.undo()
    due_now()
    deliver_now()
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and receiver.ids() == [delivery.event_id]


def test_an_inactive_subscription_holds_its_deliveries_until_active_again(receiver):
    webhook = subscribe(receiver, types=["tessera.tenant.*"])
    tenant_create(key="t1", name="One")
    relay_all()
    webhook.active = False
    webhook_save(webhook, created=False)
    deliver_now()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, receiver.got) == ("queued", 0, [])
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=30)
    second = tenant_create(key="t2", name="Two")  # while inactive: held too
    deliver_now()
    assert receiver.got == []
    webhook.active = True
    webhook_save(webhook, created=False)  # the console's save: held deliveries due at once
    deliver_now()
    later = ChangeRecord.objects.get(object_type="identities.tenant", object_id=second.pk)
    assert receiver.ids() == [delivery.event_id, f"chg_{later.pk}"]


def test_a_write_through_each_api_surface_arrives(receiver, make_caller):
    """CustomerID, onePortal, the additiv DFS and Admin Management APIs, Ainua: one write
    each, each write's event delivered and verified."""
    from tests.accounts.conftest import ALL as AINUA
    from tests.authorisations.conftest import ALL as ONEPORTAL
    from tests.identities.dfs import ALL as ADDITIV
    from tests.identities.dfs import CREATE_SAMPLE, sample
    from tests.orgs.conftest import ALL as CUSTOMERID

    subscribe(receiver)
    from authorisations.services.catalog import api_client_namespaces_grant, namespace_create

    namespace_create(code="ns", name="NS")
    oneportal = make_caller(ONEPORTAL, name="oneportal")
    api_client_namespaces_grant(identity=oneportal.identity, codes=["ns"])
    writes = {
        "tessera.organization.created": make_caller(CUSTOMERID, name="customerid").basic()
        .post("/eidm2/services/orgs/?organizationId=acme&friendlyName=Acme"),
        "tessera.authorisationtype.created": oneportal.basic().post(
            "/api/rest/v1/authorisation_type", {"code": "employment", "nsCode": "ns"},
            format="json"),
        "tessera.identity.created": make_caller(ADDITIV, tenants=["default"], name="dfs")
        .basic().post("/v1.0/identities", sample(
            CREATE_SAMPLE, AuditContextId=None, Username="dora", ExternalId=None,
            SalutationId=None, BankBranchId=None, IdentityRoleId=None),
            format="json"),
        "tessera.account.created": make_caller(AINUA, name="connector").bearer().patch(
            "/api/integrations/v1/accounts", {"a1": {"name": "A", "id": "1"}}, format="json"),
    }
    for type_, answer in writes.items():
        assert answer.status_code in (200, 201), (type_, answer.content)
    deliver_now()
    arrived = {r.event["type"] for r in receiver.got
               if r.verified and r.event["source"] == "/tessera/api"}
    assert set(writes) <= arrived, arrived
