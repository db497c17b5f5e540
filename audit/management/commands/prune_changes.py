"""manage.py prune_changes --before YYYY-MM-DD [--export FILE] [--json]

Drops the change log's whole months before the first day of the date's month, after writing
their records to FILE as NDJSON CloudEvents (audit.retention.prune). Makes the partitions ahead
as well (audit.retention.partitions).
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.retention.partitions import LockBusyError
from audit.retention.prune import Pruned, PruneError, prune


class Command(BaseCommand):
    help = ("Export, then drop, the change log's whole months before the month of --before "
            "(YYYY-MM-DD).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--before", required=True, metavar="YYYY-MM-DD",
                            help="Drop the months entirely before this date's month.")
        parser.add_argument("--export", metavar="FILE",
                            help="Write the dropped records here first, one CloudEvent a "
                                 "line (NDJSON); it must not exist.")
        parser.add_argument("--json", action="store_true", help="Answer in JSON.")

    def handle(self, *args, before: str, export: str | None, json: bool, **options) -> None:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", before):
                raise ValueError(before)
            day = date.fromisoformat(before)
        except ValueError:
            raise CommandError(f"--before {before!r} is not a date (YYYY-MM-DD)") from None
        try:
            done = prune(day, Path(export) if export else None)
        except (PruneError, LockBusyError) as error:
            raise CommandError(f"{error}; nothing was dropped") from None
        except OSError as error:
            raise CommandError(f"the export failed ({error}); nothing was dropped") from None
        self.stdout.write(as_json(done) if json else as_text(done, day))


def as_json(done: Pruned) -> str:
    return json.dumps({
        "cutoff": done.cutoff.isoformat(),
        "months": [{"month": f"{month:%Y-%m}", "records": count}
                   for month, count in done.months.items()],
        "records": done.records,
        "export": done.export or None,
        "horizon": done.horizon.token(),
        "keptInDefaultPartition": done.kept_in_default,
    })


def as_text(done: Pruned, asked: date) -> str:
    lines = [f"Whole months before {done.cutoff} (the month of {asked} is kept):"]
    if not done.months:
        lines.append("  nothing to drop.")
    lines += [f"  dropped {month:%Y-%m}: {count} records" for month, count in
              done.months.items()]
    lines.append(f"{done.records} records dropped"
                 + (f", exported to {done.export} first." if done.export else
                    " (not exported)."))
    if done.kept_in_default:
        lines.append(f"{done.kept_in_default} records before {done.cutoff} are in the default "
                     "partition (months that had no partition of their own) and were kept.")
    return "\n".join(lines)
