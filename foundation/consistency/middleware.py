"""Each request's read route: opened here, answered with a token after a write, logged.

Placed before the session and authentication middleware, so everything a request reads goes
through its route. A GET whose replica failed under it (the replica stopped mid-request) is
served again from the primary: reading twice is harmless, an error is not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import psycopg
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

from audit import context as scope
from foundation.consistency import pins, replica
from foundation.consistency.route import PRIMARY, Route, in_transaction, serving
from foundation.consistency.tokens import HEADER, encode, lsn_from_text

log = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOG_KEY = "tessera.db"  # the WSGI environment's key the access log reads (gunicorn.conf.py)


class ConsistencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.on = replica.configured()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.on:
            return self.get_response(request)
        route, response = self._serve(request, Route(
            token=request.headers.get(HEADER), replica_allowed=request.method in READ_METHODS))
        if route.replica_failed and request.method in ("GET", "HEAD"):
            log.warning("the replica failed under %s %s: served by the primary",
                        request.method, request.path)
            replica.mark_down()
            route, response = self._serve(request, Route(token=None, replica_allowed=False,
                                                         served="primary:down"))
        if route.wrote:
            actor = scope.current().actor
            if actor is not None:
                pins.pin(actor.pk)
            if response.status_code < 400 and not in_transaction():
                lsn = primary_position()
                if lsn is not None:
                    response[HEADER] = encode(lsn)
        request.META[LOG_KEY] = route.log_name()
        return response

    def _serve(self, request: HttpRequest, route: Route) -> tuple[Route, HttpResponse]:
        request.tessera_route = route
        with (serving(route), connections[PRIMARY].execute_wrapper(route.watch_writes),
              connections[replica.REPLICA].execute_wrapper(route.watch_replica)):
            return route, self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A view that only reads, whatever its method (a search or a check by POST), may be
        served by the replica: its class says `reads_only = True`."""
        route = getattr(request, "tessera_route", None)
        view = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
        if route is not None and getattr(view, "reads_only", False):
            route.replica_allowed = True


def primary_position() -> int | None:
    """The primary's WAL insert position now: past the commit of every write made so far."""
    try:
        (position,) = replica.unlogged_row(PRIMARY, "SELECT pg_current_wal_insert_lsn()::text")
    except (DatabaseError, psycopg.Error):
        log.warning("could not read the primary's WAL position", exc_info=True)
        return None
    return lsn_from_text(position)
