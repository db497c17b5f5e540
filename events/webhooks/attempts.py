"""One delivery attempt, run by the queue's task: send, then record what came of it.

A non-2xx answer, a timeout, a connection error or a refused address is retried with
exponential backoff and jitter: about 5 s after the first failure (between 2.5 and 7.5), then
twice as long each time, at most an hour between attempts, until the delivery's `retry_until`
(WEBHOOK_RETRY_HOURS after it was made); then it is a dead letter. Either way the lane's next
delivery is handed on (events.webhooks.lanes). The attempt is recorded only by the task that
carries the delivery (`task_id`): a task the recovery replaced finds nothing to record.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import timedelta

from django.utils import timezone

from audit.events import as_json
from audit.models import ChangeRecord
from events.models import Delivery
from events.webhooks import sender
from events.webhooks.lanes import enqueue, hand_over, lane_transaction
from events.webhooks.signing import signed

logger = logging.getLogger("tessera.webhooks")
FIRST_RETRY_SECONDS = 5
LONGEST_WAIT_SECONDS = 3600
PAUSED_SECONDS = 600  # an inactive subscription's deliveries look again (or on resume)


def backoff(failures: int) -> timedelta:
    """The wait after the `failures`-th failed attempt: exponential, with ±50 % jitter."""
    base = min(FIRST_RETRY_SECONDS * 2 ** (failures - 1), LONGEST_WAIT_SECONDS)
    return timedelta(seconds=base * random.uniform(0.5, 1.5))


def attempt(webhook_id: int, record_id: int, task_id: uuid.UUID | str) -> str:
    """Deliver one event once, if the delivery is still this task's to carry."""
    delivery = (Delivery.objects.select_related("webhook")
                .filter(webhook_id=webhook_id, record_id=record_id).first())
    if delivery is None or delivery.status != Delivery.Status.QUEUED or \
            str(delivery.task_id) != str(task_id):
        return "not this task's"
    if not delivery.webhook.active:
        return _pause(delivery)
    record = ChangeRecord.objects.filter(pk=record_id).first()
    if record is None:
        outcome = sender.Outcome(False, error="the change record is no longer kept")
        return _finish(delivery, outcome, final=True)
    try:
        request = signed(delivery.webhook.secret, delivery.event_id, as_json(record))
        outcome = sender.post(delivery.webhook.url, request)
    except Exception as error:  # a defect: counted as a failed attempt, retried with backoff
        logger.exception("webhook %s, %s: the attempt failed", webhook_id, delivery.event_id)
        outcome = sender.Outcome(False, error=f"internal error: {type(error).__name__}")
    if not outcome.delivered:
        logger.warning("webhook %s, %s: %s", webhook_id, delivery.event_id, outcome.error)
    return _finish(delivery, outcome)


def _pause(delivery: Delivery) -> str:
    with lane_transaction([(delivery.webhook_id, delivery.lane)]):
        current = Delivery.objects.get(pk=delivery.pk)
        if current.status == Delivery.Status.QUEUED and current.task_id == delivery.task_id:
            enqueue(current, at=timezone.now() + timedelta(seconds=PAUSED_SECONDS))
            current.save(update_fields=["task_id", "next_attempt_at"])
    return "paused"


def _finish(delivery: Delivery, outcome: sender.Outcome, *, final: bool = False) -> str:
    with lane_transaction([(delivery.webhook_id, delivery.lane)]):
        current = Delivery.objects.get(pk=delivery.pk)
        if current.status != Delivery.Status.QUEUED or current.task_id != delivery.task_id:
            return "not this task's"
        now = timezone.now()
        current.attempts += 1
        current.last_attempt_at = now
        current.last_status = outcome.status
        current.last_error = outcome.error[:500]
        current.last_response = outcome.excerpt[:1000]
        current.next_attempt_at = None
        if outcome.delivered:
            current.status, current.delivered_at = Delivery.Status.DELIVERED, now
        else:
            at = now + backoff(current.attempts)
            if final or at > current.retry_until:
                current.status = Delivery.Status.DEAD
            else:
                enqueue(current, at=at)
        current.save()
        if current.status != Delivery.Status.QUEUED:
            hand_over(current.webhook_id, current.lane)
    return current.status
