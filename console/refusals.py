"""The log of refused API requests: written by `RefusalLogMiddleware`, read by the dashboard."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from audit import context as scope
from console.models import Refusal
from foundation.access_log import mask_parameters

log = logging.getLogger(__name__)
# every this many refusals, the rows beyond the retention are removed (one statement)
PRUNE_EVERY = 500


def refusal_record(request: HttpRequest, status: int) -> Refusal:
    """One refused request, named by whoever authenticated (the API client's id, else the
    identity), secrets in the query masked."""
    current = scope.current()
    actor = current.actor
    client = current.client_id or (getattr(actor, "username", "") if actor else "")
    refusal = Refusal.objects.create(
        status=status, method=request.method[:8],
        path=mask_parameters(request.get_full_path())[:255], client=client[:200],
        address=request.META.get("REMOTE_ADDR") or None,
        correlation_id=current.correlation_id[:64])
    if refusal.pk % PRUNE_EVERY == 0:
        Refusal.objects.filter(pk__lte=refusal.pk - settings.TESSERA_REFUSALS_KEPT).delete()
    return refusal


class RefusalLogMiddleware:
    """Logs each API request answered 4xx (the console's "recent refusals"). A failure to log
    never changes the answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (400 <= response.status_code < 500 and settings.TESSERA_REFUSAL_LOG
                and scope.current().origin == "api"):
            try:
                refusal_record(request, response.status_code)
            except DatabaseError:
                log.exception("could not log a refused request")
        return response
