"""The delivery worker's loop (`manage.py deliver_events`): recover lost tasks, relay the feed
into deliveries, run the due attempts with django_tasks_db's own worker, and again.

Several workers may run at once: one relays at a time (a tried lock), and the queue hands each
task to one worker (`SELECT … FOR UPDATE SKIP LOCKED`). SIGTERM or SIGINT ends the loop after
the attempt in hand; `once` runs what is due now, and returns.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field

from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from events.webhooks.recovery import prune_tasks, recover
from events.webhooks.relay import relay
from events.webhooks.tasks import QUEUE

logger = logging.getLogger("tessera.webhooks")
PRUNE_EVERY = 300  # seconds between prunes of the queue's finished task rows


@dataclass
class Loop:
    interval: float = 0.5
    worker_id: str = field(default_factory=lambda: get_random_string(32))
    stopping: threading.Event = field(default_factory=threading.Event)
    runs: Worker | None = None

    def stop(self, signum: int, _frame: object = None) -> None:
        logger.info("worker %s: %s, stopping after the attempt in hand", self.worker_id,
                    signal.Signals(signum).name)
        self.stopping.set()
        if self.runs is not None:
            self.runs.running = False

    def handle_signals(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.stop)

    def run(self, *, once: bool = False) -> dict:
        totals = {"recovered": 0, "relayed": 0}
        pruned_at = 0.0
        while not self.stopping.is_set():
            close_old_connections()
            totals["recovered"] += recover()
            totals["relayed"] += relay()
            self._attempts()
            if time.monotonic() - pruned_at > PRUNE_EVERY:
                prune_tasks()
                pruned_at = time.monotonic()
            if once:
                break
            self.stopping.wait(self.interval)
        return totals

    def _attempts(self) -> None:
        """Every attempt due now, by the queue's own worker (in batch mode: until none is)."""
        self.runs = Worker(queue_names=[QUEUE], interval=0, batch=True, backend_name="default",
                           startup_delay=False, max_tasks=None, worker_id=self.worker_id,
                           excluded_queue_names=[])
        if self.stopping.is_set():
            return
        self.runs.run()
