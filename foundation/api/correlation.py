"""Correlation ids on every request, response and log line; the audit scope of each request."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from audit import context as scope

HEADER = "X-Correlation-ID"
# Accept what a caller sends if it is a sane token; anything else is replaced, never echoed.
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


def correlation_id_from(request: HttpRequest) -> str:
    given = request.headers.get(HEADER, "")
    return given if _VALID.match(given) else scope.new_correlation_id()


class CorrelationIdMiddleware:
    """Starts a fresh audit scope (correlation id, origin) for the request and echoes the id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cid = correlation_id_from(request)
        request.correlation_id = cid
        origin = "admin" if request.path.startswith("/admin/") else "api"
        scope.start_request(correlation_id=cid, origin=origin)
        response = self.get_response(request)
        response[HEADER] = cid
        return response


request_finished.connect(scope.clear, dispatch_uid="tessera-clear-audit-scope")


class AuditActorMiddleware:
    """Names a session-authenticated user (the admin) as the actor of the request's writes.

    API clients are named by the authentication classes once DRF has authenticated them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.COOKIES and request.user.is_authenticated:
            scope.set_actor(request.user)
        return self.get_response(request)


class CorrelationIdLogFilter(logging.Filter):
    """Adds `correlation_id` to every log record (`-` outside a request or command)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = scope.correlation_id() or "-"
        return True
