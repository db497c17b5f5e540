"""Lockouts after failed authentication: per client identifier and per address, in a shared cache.

Every failed authentication to an API or to the token endpoints (a wrong password or client
secret, a username that is no API client's, a bad or expired token, a malformed header) counts
against the caller's address and, when the attempt names one, against the identifier it tried
(a service account's username or an OAuth2 client id; HTTP Basic and the token endpoints count a
client id together). `AUTH_FAILURES_PER_CLIENT` / `AUTH_FAILURES_PER_ADDRESS` failures within
`AUTH_FAILURE_WINDOW_SECONDS` lock that identifier / address out for `AUTH_LOCKOUT_SECONDS`:
every attempt, with the right credentials too, is refused (429, `Retry-After`) without
checking any password, or guessing would go on. A success does not reset a counter (it expires
with its window): else a busy integration's requests would wipe an attacker's count between
guesses. Each lockout leaves a change record (`auth.lockout`); credentials are never stored.
`manage.py auth_unlock` lifts one early (`lift`).

The counters live in the "throttle" cache (Redis when `REDIS_URL` is set, shared by every
worker). A request that succeeds costs one cache call (`get_many` of its lock entries). If the
cache fails, authentication goes on unthrottled and the error is logged: an outage of the cache
does not take the APIs down.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from rest_framework.throttling import BaseThrottle

from audit.models import ChangeRecord
from audit.services import record

log = logging.getLogger("tessera.auth")

OBJECT_TYPE = "auth.lockout"


@dataclass(frozen=True)
class Attempt:
    """One authentication attempt: where from, and which client identifier it tried."""

    address: str
    identifier: str | None = None

    @classmethod
    def of(cls, request, identifier: str | None = None) -> Attempt:
        """The caller's address as DRF's throttles see it (`REMOTE_ADDR`, or the client's entry
        of `X-Forwarded-For` when `NUM_PROXIES` trusted proxies stand in front)."""
        return cls(BaseThrottle().get_ident(request) or "", identifier)

    def subjects(self) -> list[tuple[str, str, int]]:
        """(kind, value, threshold) of each counter this attempt counts against."""
        subjects = [("address", self.address, settings.AUTH_FAILURES_PER_ADDRESS)]
        if self.identifier is not None:
            subjects.append(("client", self.identifier, settings.AUTH_FAILURES_PER_CLIENT))
        return [s for s in subjects if s[2] > 0]


def _key(prefix: str, kind: str, value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}\0{value}".encode(),
                      hashlib.sha256).hexdigest()[:40]
    return f"{prefix}:{kind}:{digest}"


def _cache():
    return caches["throttle"]


def locked_for(attempt: Attempt) -> int:
    """Seconds until the attempt's identifier and address are both free again (0: now).
    One cache call."""
    keys = [_key("authlock", kind, value) for kind, value, _ in attempt.subjects()]
    if not keys:
        return 0
    try:
        locks = _cache().get_many(keys)
    except Exception:  # any backend's error: fail open, loudly
        log.error("authentication throttle: cache unavailable, not checked", exc_info=True)
        return 0
    wait = max(locks.values(), default=0) - time.time()
    return math.ceil(wait) if wait > 0 else 0


def failed(attempt: Attempt) -> None:
    """Count a failed attempt; start the lockouts its counts reach (and record them)."""
    window = settings.AUTH_FAILURE_WINDOW_SECONDS
    for kind, value, threshold in attempt.subjects():
        try:
            count = _bump(_key("authfail", kind, value), window)
            if count < threshold:
                continue
            until = time.time() + settings.AUTH_LOCKOUT_SECONDS
            started = _cache().add(_key("authlock", kind, value), until,
                                   settings.AUTH_LOCKOUT_SECONDS)
        except Exception:  # see locked_for
            log.error("authentication throttle: cache unavailable, not counted", exc_info=True)
            return
        if started:
            _record_lockout(kind, value, count, until, attempt)


def _bump(key: str, window: int) -> int:
    cache = _cache()
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, window)
        return 1


def _record_lockout(kind: str, value: str, failures: int, until: float,
                    attempt: Attempt) -> None:
    log.warning("authentication lockout of %s %r for %ss after %s failures", kind, value,
                settings.AUTH_LOCKOUT_SECONDS, failures)
    with transaction.atomic():
        record(
            action=ChangeRecord.Action.CREATE,
            object_type=OBJECT_TYPE,
            object_id=f"{kind}:{value}"[:255],
            object_repr=f"lockout of {kind} {value}"[:255],
            after={
                "kind": kind,
                kind: value,
                "address": attempt.address,
                "failures": failures,
                "window_seconds": settings.AUTH_FAILURE_WINDOW_SECONDS,
                "locked_until": datetime.fromtimestamp(until, UTC).isoformat(),
            },
        )


def lift(kind: str, value: str) -> bool:
    """End the lockout of a client identifier or an address ("client" / "address") and
    forget its failures; True if it was locked out. Records the lift (`auth_unlock`)."""
    cache = _cache()
    was_locked = cache.delete(_key("authlock", kind, value))
    cache.delete(_key("authfail", kind, value))
    if was_locked:
        with transaction.atomic():
            record(action=ChangeRecord.Action.DELETE, object_type=OBJECT_TYPE,
                   object_id=f"{kind}:{value}"[:255],
                   object_repr=f"lockout of {kind} {value}"[:255])
    return was_locked
