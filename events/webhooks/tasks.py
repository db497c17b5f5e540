"""The queue's task: one delivery attempt (django-tasks, run by `deliver_events` from the
database backend `django_tasks_db`)."""

from __future__ import annotations

from django_tasks import TaskContext, task

from events.webhooks.attempts import attempt

QUEUE = "webhooks"


@task(queue_name=QUEUE, takes_context=True)
def deliver(context: TaskContext, webhook_id: int, record_id: int) -> str:
    return attempt(webhook_id, record_id, context.task_result.id)
