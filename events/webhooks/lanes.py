"""One object's events reach one subscription in commit order: the object's *lane*.

In each (subscription, object) lane at most one delivery is QUEUED, carried by exactly one task
of the queue (its `task_id`); the later ones WAIT. When the queued one ends (delivered, or dead
after its retries), the next waiting one, by record id, is queued in the same transaction
(`hand_over`). Whoever changes a lane (the relay adding deliveries, an attempt ending, a replay)
holds the lane's lock (`lane_transaction`), so no two of them decide from stale reads: an
advisory lock per lane on PostgreSQL, an exclusive transaction on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks_db.utils import exclusive_transaction

from audit.models import ChangeRecord
from audit.services import Change, audited, object_type_of, record_bulk
from core.locks import exclusive_many
from events.models import Delivery

Lane = tuple[int, str]  # (webhook id, lane)


def lane_of(record: ChangeRecord) -> str:
    return f"{record.object_type}:{record.object_id}"


@contextmanager
def lane_transaction(lanes: Iterable[Lane]) -> Iterator[None]:
    with exclusive_transaction():
        exclusive_many([f"webhook-lane:{webhook}:{lane}" for webhook, lane in lanes])
        yield


def open_lanes(lanes: Iterable[Lane]) -> set[Lane]:
    """The lanes among `lanes` that already hold a delivery under way (one query)."""
    lanes = set(lanes)
    if not lanes:
        return set()
    query = Q()
    for webhook in {w for w, _ in lanes}:
        query |= Q(webhook_id=webhook, lane__in=[lane for w, lane in lanes if w == webhook])
    return set(Delivery.objects.filter(query, status__in=Delivery.OPEN).order_by()
               .values_list("webhook_id", "lane").distinct())


def enqueue(delivery: Delivery, *, at: datetime | None = None) -> None:
    """Give the delivery a task of the queue (now, or at `at`), and remember which."""
    from events.webhooks.tasks import deliver  # the task's module imports the attempts

    task = deliver.using(run_after=at) if at else deliver
    delivery.task_id = task.enqueue(delivery.webhook_id, delivery.record_id).id
    delivery.status = Delivery.Status.QUEUED
    delivery.next_attempt_at = at or timezone.now()


def hand_over(webhook_id: int, lane: str) -> Delivery | None:
    """Queue the lane's next waiting delivery, if any (the caller holds the lane's lock)."""
    following = (Delivery.objects.filter(webhook_id=webhook_id, lane=lane,
                                         status=Delivery.Status.WAITING)
                 .order_by("record_id").first())
    if following is not None:
        enqueue(following)
        following.save(update_fields=["status", "task_id", "next_attempt_at"])
    return following


def replay(deliveries: QuerySet) -> int:
    """Send the dead letters among `deliveries` again: each is queued at once, or waits behind
    its lane's delivery under way; its retries run for another WEBHOOK_RETRY_HOURS. Each
    replay is a change record (the operator's write; the attempts themselves are not)."""
    candidates = list(deliveries.filter(status=Delivery.Status.DEAD)
                      .values_list("pk", "webhook_id", "lane"))
    with lane_transaction({(webhook, lane) for _, webhook, lane in candidates}), audited():
        dead = list(Delivery.objects.filter(pk__in=[pk for pk, _, _ in candidates],
                                            status=Delivery.Status.DEAD).order_by("record_id"))
        busy = open_lanes((d.webhook_id, d.lane) for d in dead)
        changes = []
        for delivery in dead:
            before = {"status": delivery.status, "event": delivery.event_id}
            delivery.retry_until = retry_until()
            if (delivery.webhook_id, delivery.lane) in busy:
                delivery.status = Delivery.Status.WAITING
            else:
                enqueue(delivery)
                busy.add((delivery.webhook_id, delivery.lane))
            delivery.save(update_fields=["status", "task_id", "next_attempt_at", "retry_until"])
            changes.append(Change(ChangeRecord.Action.UPDATE, object_type_of(delivery),
                                  str(delivery.pk), before, {**before, "status": delivery.status},
                                  str(delivery)))
        record_bulk(changes)  # an operator's write: on the record
    return len(dead)


def retry_until() -> datetime:
    return timezone.now() + timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
