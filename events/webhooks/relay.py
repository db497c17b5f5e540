"""The relay: reads the change feed (audit.feed) after its own cursor and turns each record into
a delivery for every subscription it matches (events.webhooks.filters).

The change log is written in the write's own transaction, so it is the outbox: nothing is added
to a write beyond its record. One relay runs at a time (a lock tried, not waited for: another
worker skips it); a page is one transaction that adds its deliveries, their tasks and the new
cursor together, so a relay killed midway leaves the page to be read again, and a record
relayed twice is still delivered once (one delivery per subscription and record).

Commit order per object: the feed's order is the transactions' (`xid`), and a transaction that
took its id early may commit a change of an object after one taken later: the object's earlier
record (a smaller record id, the object's row lock saw to that) may lie beyond the page. Such
records, of the page's objects, are pulled into the page (one query), so each lane is filled in
record order. A new subscription receives the changes written from its creation on.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone
from django_tasks_db.utils import exclusive_transaction

from audit.events import event_type
from audit.feed import Cursor, after_cursor, page, settled
from audit.models import ChangeRecord
from core.locks import try_exclusive
from events.models import Delivery, RelayPosition, Webhook
from events.webhooks.filters import Judge
from events.webhooks.lanes import lane_of, lane_transaction, open_lanes, retry_until
from events.webhooks.queue import enqueue_many
from events.webhooks.tasks import deliver

NAME = "webhooks"
PAGE = 500


def relay(pages: int | None = None) -> int:
    """Relay pages until the feed is read (or `pages` are); the records read."""
    total, done = 0, 0
    while pages is None or done < pages:
        read = relay_page()
        total, done = total + read, done + 1
        if read < PAGE:
            return total
    return total


def relay_page(size: int = PAGE) -> int:
    """One page of the feed into deliveries; the records read (0: nothing new, or another
    relay is at work)."""
    with exclusive_transaction():
        if not try_exclusive("events-relay"):
            return 0
        position = RelayPosition.objects.select_for_update().filter(name=NAME).first()
        webhooks = list(Webhook.objects.all())  # an inactive one's deliveries are held
        if position is None or not webhooks:
            _move(position, head())  # nothing to deliver to: no need to read
            return 0
        found = page(Cursor.parse(position.cursor), size)
        if found.records:
            _deliveries(webhooks, found.records + _earlier(found.records, found.next))
            _move(position, found.next)
        return len(found.records)


def head(*, settled_only: bool = True) -> Cursor:
    """The feed's end: its newest record (of ended transactions only, by default)."""
    records = ChangeRecord.objects.all()
    last = (settled(records) if settled_only else records).order_by("-xid", "-id").values_list(
        "xid", "id").first()
    return Cursor(*last) if last else Cursor()


def _move(position: RelayPosition | None, cursor: Cursor) -> None:
    if position is None:
        RelayPosition.objects.create(name=NAME, cursor=cursor.token())
    elif position.cursor != cursor.token():
        position.cursor, position.updated_at = cursor.token(), timezone.now()
        position.save(update_fields=["cursor", "updated_at"])


def _earlier(records: list[ChangeRecord], end: Cursor) -> list[ChangeRecord]:
    """Records beyond the page, of the page's objects, older than the page's record of the
    same object (committed already: the page's record waited for them)."""
    newest: dict[tuple[str, str], int] = defaultdict(int)
    for record in records:
        key = (record.object_type, record.object_id)
        newest[key] = max(newest[key], record.pk)
    candidates = after_cursor(ChangeRecord.objects.filter(
        object_id__in={object_id for _, object_id in newest}, id__lt=max(newest.values())), end)
    return [r for r in candidates if r.pk < newest.get((r.object_type, r.object_id), 0)]


def _deliveries(webhooks: list[Webhook], records: list[ChangeRecord]) -> None:
    judge = Judge(webhooks, records)
    # by (webhook, record): the unique index's order; by the record alone it reads the table
    known = set(Delivery.objects.filter(webhook_id__in=[w.pk for w in webhooks],
                                        record_id__in=[r.pk for r in records])
                .order_by().values_list("webhook_id", "record_id"))
    new = [Delivery(webhook=webhook, record_id=record.pk, event_type=event_type(record),
                    lane=lane_of(record), status=Delivery.Status.WAITING,
                    retry_until=retry_until())
           for record in sorted(records, key=lambda r: r.pk)
           for webhook in judge.receivers(record)
           if record.created_at >= webhook.created_at and (webhook.pk, record.pk) not in known]
    if not new:
        return
    lanes = {(d.webhook_id, d.lane) for d in new}
    with lane_transaction(lanes):
        busy = open_lanes(lanes)
        first = []
        for delivery in new:  # in record order: a lane's first is queued, the rest wait
            if (delivery.webhook_id, delivery.lane) not in busy:
                first.append(delivery)
                busy.add((delivery.webhook_id, delivery.lane))
        now = timezone.now()
        task_ids = enqueue_many(deliver, [(d.webhook_id, d.record_id) for d in first])
        for delivery, task_id in zip(first, task_ids, strict=True):
            delivery.status, delivery.task_id, delivery.next_attempt_at = (
                Delivery.Status.QUEUED, task_id, now)
        Delivery.objects.bulk_create(new, batch_size=1000)

