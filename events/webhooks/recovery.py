"""Nothing held is lost: a delivery whose task can no longer carry it gets a new one.

A worker killed mid-attempt (`kill -9`, a lost node) leaves its task RUNNING for good; a task
that raised (the database went away) is FAILED. Either way its delivery is still QUEUED under
that task's id. `recover` finds them — a RUNNING task counts as lost once it started longer
ago than WEBHOOK_LEASE_SECONDS, well beyond what an attempt may take — and queues each delivery
again: the same event, the same `webhook-id`, so a receiver that got it deduplicates.
`prune_tasks` drops the queue's finished task rows once no delivery refers to them.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from events.models import Delivery
from events.webhooks.lanes import enqueue, lane_transaction
from events.webhooks.tasks import deliver

BATCH = 500


def _tasks():
    return DBTaskResult.objects.filter(task_path=deliver.module_path)


def recover() -> int:
    """Queue again the deliveries whose task was lost; how many."""
    started_before = timezone.now() - timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    lost = _tasks().filter(Q(status=TaskResultStatus.FAILED)
                           | Q(status=TaskResultStatus.RUNNING, started_at__lt=started_before))
    stuck = Delivery.objects.filter(status=Delivery.Status.QUEUED, task_id__in=lost.values("id"))
    found = list(stuck.values_list("pk", "webhook_id", "lane")[:BATCH])
    if not found:
        return 0
    with lane_transaction({(webhook, lane) for _, webhook, lane in found}):
        again = list(stuck.filter(pk__in=[pk for pk, _, _ in found]))
        for delivery in again:
            enqueue(delivery)
            delivery.save(update_fields=["status", "task_id", "next_attempt_at"])
    return len(again)


def prune_tasks(older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete finished task rows no queued delivery refers to; how many."""
    finished = _tasks().filter(status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
                               finished_at__lt=timezone.now() - older_than)
    held = Delivery.objects.filter(status=Delivery.Status.QUEUED).values("task_id")
    total = 0
    while True:
        ids = list(finished.exclude(id__in=held).values_list("id", flat=True)[:10_000])
        if not ids:
            return total
        total += DBTaskResult.objects.filter(id__in=ids).delete()[0]
