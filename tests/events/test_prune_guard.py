"""A prune of the change log (audit.retention) never drops what the webhooks still need:
records the relay has not read, records of deliveries still under way."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command

from audit.models import ChangeRecord
from audit.retention.partitions import ensure_partitions
from events.models import Delivery, Webhook
from events.webhooks.subscriptions import webhook_create
from tests.events.receiver import receiving
from tests.events.test_delivery import deliver_now, due_now, relay_all
from tests.events.test_feed_retention import old

pytestmark = pytest.mark.django_db(transaction=True)


def prune() -> str:
    out = io.StringIO()
    call_command("prune_changes", "--before", "2025-03-01", stdout=out)
    return out.getvalue()


def test_records_the_relay_has_not_read_or_still_being_delivered_are_kept(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    ensure_partitions(date(2025, 1, 1))
    with receiving() as receiver:
        made = webhook_create(name="hook", url=receiver.url, types=["tessera.thing.*"])
        receiver.secret = made.secret
        Webhook.objects.update(created_at=datetime(2024, 1, 1, tzinfo=UTC))  # it wants them
        receiver.answer = lambda event_id, seen: 503
        january, february = old(1, "jan"), old(2, "feb")
        with pytest.raises(CommandError, match="relay has not read"):
            prune()
        relay_all()
        assert Delivery.objects.filter(status="queued").count() == 2
        with pytest.raises(CommandError, match="still under way"):
            prune()
        assert ChangeRecord.objects.filter(pk__in=[january.pk, february.pk]).count() == 2
        receiver.answer = lambda event_id, seen: 200
        deliver_now()  # the first attempts failed (503): retried later
        due_now()
        deliver_now()
        assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert "2" in prune()
    assert not ChangeRecord.objects.filter(pk__in=[january.pk, february.pk]).exists()


def test_without_subscriptions_nothing_holds_a_prune():
    ensure_partitions(date(2025, 1, 1))
    january = old(1, "jan")
    prune()
    assert not ChangeRecord.objects.filter(pk=january.pk).exists()
