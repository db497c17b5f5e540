"""Many tasks queued in one statement: what django_tasks_db's `enqueue` writes for one task
(its `DBTaskResult` row), written for a page of deliveries at once with `bulk_create`, so the
relay's statements do not grow with the page. The rows are the backend's own (the same fields,
and `run_after` "never set" as its pre_save signal would write it; the `task_enqueued` signal,
which nothing here listens to, is not sent); the library's worker runs them as any other
(tests/events). Pinned with the library in requirements.txt."""

from __future__ import annotations

from collections.abc import Sequence

from django_tasks_db.compat import Task, normalize_json
from django_tasks_db.models import DBTaskResult, get_date_max


def enqueue_many(task: Task, calls: Sequence[Sequence]) -> list[str]:
    """Queue `task` once per argument list in `calls`, due now; the new tasks' ids, in order."""
    backend = task.get_backend()
    task_ = task.using()  # validated as enqueue validates it
    backend.validate_task(task_)
    rows = [DBTaskResult(id=backend._get_id(), args_kwargs=normalize_json(
                {"args": list(args), "kwargs": {}}),
            priority=task_.priority, task_path=task_.module_path, queue_name=task_.queue_name,
            run_after=get_date_max(), backend_name=backend.alias) for args in calls]
    DBTaskResult.objects.bulk_create(rows, batch_size=1000)
    return [row.id for row in rows]
