"""Real concurrency for the race tests: calls run together, each in its own thread with its own
database connection, released at once by a barrier. They need PostgreSQL (SQLite serialises
writers, so the races cannot happen there) and committed data (`transaction=True`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

postgresql_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="races need concurrent writers: SQLite serialises them (run with DATABASE_URL "
           "set to PostgreSQL)",
)


def together(calls: Sequence[Callable[[], Any]], *, timeout: float = 60.0) -> list[Any]:
    """Run every call at the same instant, each in a thread of its own; answers each call's
    result (or the exception it raised), in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def work(index: int, call: Callable[[], Any]) -> None:
        try:
            connection.ensure_connection()  # connected before the start, not in the race
            barrier.wait()
            results[index] = call()
        except BaseException as error:  # handed back to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=pair, daemon=True)
               for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a call did not finish"
    return results
