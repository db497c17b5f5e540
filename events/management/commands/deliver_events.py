"""Deliver the change events to the webhook subscriptions until stopped."""

import json

from django.core.management.base import BaseCommand, CommandError

from events.webhooks.worker import Loop


def _interval(value: str) -> float:
    seconds = float(value)
    if not 0 < seconds <= 60:
        raise ValueError(value)
    return seconds


class Command(BaseCommand):
    help = ("Deliver change events to the webhook subscriptions: relay new changes into "
            "deliveries, send what is due, retry failures with backoff. Runs until SIGTERM or "
            "SIGINT (the attempt in hand is finished first). Several may run at once.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true",
                            help="Deliver what is due now, then exit.")
        parser.add_argument("--interval", type=_interval, default=0.5, metavar="SECONDS",
                            help="Pause between rounds when idle (default 0.5, at most 60).")
        parser.add_argument("--worker-id", default="", metavar="ID",
                            help="This worker's name in the queue's task rows (default: random; "
                                 "unique among the workers running).")
        parser.add_argument("--json", action="store_true",
                            help="With --once: print what was done as JSON.")

    def handle(self, *args, **options):
        if options["json"] and not options["once"]:
            raise CommandError("--json goes with --once")
        loop = Loop(interval=options["interval"])
        if options["worker_id"]:
            loop.worker_id = options["worker_id"][:64]
        loop.handle_signals()
        totals = loop.run(once=options["once"])
        if options["json"]:
            self.stdout.write(json.dumps(totals))
