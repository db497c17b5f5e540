"""How far the replica is: its replay position and lag, asked on every request that may read
from it (one statement on its connection, which also serves as Django's health check).

A replica that cannot be reached is left alone for REPLICA_RETRY_SECONDS in this process (the
only state kept per process: when to try it again), so a stopped replica costs a refused
connection once a second per worker, not on every request.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import DatabaseError, connections

from foundation.consistency.tokens import lsn_from_text

REPLICA = "replica"
_down_until = 0.0

# The lag is 0 when all WAL received is replayed; else the age of the last transaction
# replayed. No WAL receiver (the replica lost its primary): the lag is unknown (NULL). A server
# not in recovery is the primary itself (a test mirror): it has everything.
_PROBE = """
SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
       CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN NULL
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
       END
"""


@dataclass(frozen=True)
class Position:
    replayed: int | None  # the LSN replayed; None: everything (the server is no standby)
    lag: float | None  # seconds; None: unknown

    def has(self, lsn: int) -> bool:
        return self.replayed is None or self.replayed >= lsn

    @property
    def fresh(self) -> bool:
        return self.lag is not None and self.lag <= settings.REPLICA_MAX_LAG_SECONDS


def unlogged_row(alias: str, sql: str) -> tuple:
    """The one row of `sql` on `alias`, through psycopg's own cursor: the router's statements
    are not the request's (not logged, not counted among its queries)."""
    connection = connections[alias]
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def mark_down() -> None:
    """Leave the replica alone for REPLICA_RETRY_SECONDS, its connection closed."""
    global _down_until
    _down_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
    if configured():
        with contextlib.suppress(DatabaseError, psycopg.Error):
            connections[REPLICA].close()


def configured() -> bool:
    return REPLICA in connections.settings


def position() -> Position | None:
    """The replica's position now, or None when it cannot be asked."""
    if time.monotonic() < _down_until:
        return None
    try:
        in_recovery, replayed, lag = unlogged_row(REPLICA, _PROBE)
    except (DatabaseError, psycopg.Error):
        mark_down()
        return None
    connections[REPLICA].health_check_done = True
    if not in_recovery:
        return Position(None, 0.0)
    return Position(lsn_from_text(replayed) if replayed else 0,
                    None if lag is None else float(lag))
