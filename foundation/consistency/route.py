"""Which database a request reads from, decided once per request when its first read needs it.

A route exists only while the middleware serves a request; everything else (commands, the
shell, a streamed answer read after the request) reads from the primary. The decision waits
for the actor: reads made before authentication (the credentials, the session) go to the
primary, and the pin is the actor's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError, connections

from audit import context as scope
from foundation.consistency import pins, replica
from foundation.consistency.tokens import decode

PRIMARY = "default"
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|MERGE|COPY|TRUNCATE)\b|\s*WITH\b.*"
                     r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)


@dataclass
class Route:
    token: str | None  # the Tessera-Consistency the request sent
    replica_allowed: bool  # a read-only method, or a view that only reads
    wrote: bool = False
    forced: int = 0  # inside primary()
    served: str | None = None  # "replica", or "primary:<why>" once decided
    replica_failed: bool = False

    def read_alias(self) -> str:
        if self.forced or self.wrote or not self.replica_allowed or in_transaction():
            return PRIMARY
        if self.served is None:
            actor = scope.current().actor
            if actor is None:
                return PRIMARY  # not authenticated (yet): decided with the actor
            self.served = decide(self.token, actor.pk)
        return replica.REPLICA if self.served == "replica" else PRIMARY

    def watch_writes(self, execute, sql, params, many, context):
        """An execute wrapper of the primary's connection: once a statement writes, the rest of
        the request reads from the primary, and the answer carries a token."""
        if not self.wrote and _WRITES.match(sql):
            self.wrote = True
        return execute(sql, params, many, context)

    def watch_replica(self, execute, sql, params, many, context):
        """An execute wrapper of the replica's connection: notes a replica lost mid-request."""
        try:
            return execute(sql, params, many, context)
        except (OperationalError, InterfaceError):
            self.replica_failed = True
            raise

    def log_name(self) -> str:
        """What the access log says served the request's reads."""
        if self.served is not None:
            return self.served
        if self.wrote:
            return "primary:write"
        if not self.replica_allowed:
            return "primary:method"
        return "primary:anonymous" if scope.current().actor is None else "primary"


def decide(token: str | None, actor_pk: object) -> str:
    """`replica` or `primary:<why>` for a request's reads (the rules in the package doc)."""
    if token is not None:
        lsn = decode(token)
        if lsn is None:
            return "primary:token"
    elif pins.pinned(actor_pk):
        return "primary:pinned"
    position = replica.position()
    if position is None:
        return "primary:down"
    if not position.fresh:
        return "primary:lag"
    if token is not None and not position.has(lsn):
        return "primary:token"
    return "replica"


def in_transaction() -> bool:
    """Whether the primary's connection is inside a transaction the code opened (a test
    case's own wrapping blocks, which Django marks, do not count)."""
    connection = connections[PRIMARY]
    return connection.in_atomic_block and any(
        not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


_current: ContextVar[Route | None] = ContextVar("tessera_read_route", default=None)


def current() -> Route | None:
    return _current.get()


@contextmanager
def serving(route: Route) -> Iterator[Route]:
    token = _current.set(route)
    try:
        yield route
    finally:
        _current.reset(token)


@contextmanager
def primary() -> Iterator[None]:
    """Reads in the block go to the primary (credentials: a revoked token or a deactivated
    client is refused at once, whatever the replica's lag)."""
    route = _current.get()
    if route is None:
        yield
        return
    route.forced += 1
    try:
        yield
    finally:
        route.forced -= 1


def read_alias() -> str:
    route = _current.get()
    return PRIMARY if route is None else route.read_alias()
