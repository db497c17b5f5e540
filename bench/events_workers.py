"""The delivery workers of bench/events.py: `manage.py deliver_events` processes this bench
starts (DEBUG=0, WEBHOOK_ALLOW_PRIVATE=1: the receiver is on loopback) and stops, with what
they and the machine spent meanwhile (Linux /proc; nothing elsewhere)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, stop

ENV = {"DEBUG": "0", "WEBHOOK_ALLOW_PRIVATE": "1", "LOG_LEVEL": "WARNING",
       "PYTHONUNBUFFERED": "1"}


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process so far (0 without /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(idle, total) CPU ticks of the machine so far ((0, 0) without /proc)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    return values[3] + values[4], sum(values)


@dataclass
class Spent:
    """CPU spent over a stretch: the workers' seconds, and the machine's busy share."""

    workers: float
    busy: float | None  # 0..1; None without /proc


@dataclass
class Workers:
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.processes)

    @contextmanager
    def spending(self) -> Iterator[list[Spent]]:
        """A block's CPU: the list yielded holds one Spent once the block ends."""
        found: list[Spent] = []
        cpu, (idle, total) = self.cpu(), machine_ticks()
        yield found
        idle2, total2 = machine_ticks()
        busy = 1 - (idle2 - idle) / (total2 - total) if total2 > total else None
        found.append(Spent(self.cpu() - cpu, busy))

    def check(self) -> None:
        """SystemExit, with the log's end, when a worker has exited."""
        for process, log in zip(self.processes, self.logs, strict=True):
            if process.poll() is not None:
                raise SystemExit(f"a deliver_events worker exited ({process.returncode}):\n"
                                 + log.read_text()[-3000:])


@contextmanager
def running(count: int, interval: float) -> Iterator[Workers]:
    """`count` workers (`deliver_events --interval S --worker-id bench-N`) for the block;
    stopped with SIGTERM after it (killed when they will not stop), their logs removed."""
    workers = Workers()
    directory = Path(tempfile.mkdtemp(prefix="bench_events_"))
    env = {**os.environ, **ENV}
    try:
        for n in range(count):
            log = directory / f"worker-{n}.log"
            with log.open("w") as out:
                workers.processes.append(subprocess.Popen(
                    [sys.executable, "manage.py", "deliver_events", "--interval", str(interval),
                     "--worker-id", f"bench-{n}"], cwd=ROOT, env=env, stdout=out,
                    stderr=subprocess.STDOUT))
            workers.logs.append(log)
        yield workers
    finally:
        for process in workers.processes:
            stop(process)
        for log in workers.logs:
            log.unlink(missing_ok=True)
        directory.rmdir()
