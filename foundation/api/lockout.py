"""Throttling of failed authentication: per client and address, per address, per client, in a
shared cache.

Every failed authentication to an API or to the token endpoints (a wrong password or client
secret, a username that is no API client's, a bad or expired token, a malformed header) counts
against the caller's address and, when the attempt names one, against the client identifier it
tried (a service account's username or an OAuth2 client id; HTTP Basic and the token endpoints
count a client id together), in fixed windows of `AUTH_FAILURE_WINDOW_SECONDS`:

- `AUTH_FAILURES_PER_CLIENT` failures of one identifier **from one address** lock that pair out
  for `AUTH_LOCKOUT_SECONDS`; the identifier from other addresses is not locked. Client ids are
  visible to other clients (`createdByOauthClientId`), so a lock of the identifier alone would
  let anyone lock a client out.
- `AUTH_FAILURES_PER_ADDRESS` failures from one address, whatever it names, lock the address.
- `AUTH_FAILURES_PER_CLIENT_ANY_ADDRESS` failures of one identifier from all addresses together
  (guessing spread over many addresses) **slow** it rather than lock it: from then on, for the
  rest of the window, one check of its secret per `AUTH_SLOWDOWN_SECONDS`, from anywhere; the
  others are answered 429 with the seconds to wait.

While locked out, every attempt, with the right credentials too, is refused (429,
`Retry-After`) without checking any password, or guessing would go on. A success does not reset
a counter (it expires with its window): else a busy integration's requests would wipe an
attacker's count between guesses.

An attempt that will check a secret is admitted first (`admit`): it takes its place in each
count (an atomic increment), so that of N wrong attempts at once exactly the bound reach the
secret check; the others wait for those checks' outcome, then are refused (a lockout started)
or checked (they succeeded). A success gives its own place back, a failure keeps it; a lockout
resets its count. Bearer tokens and malformed headers check no secret and are counted after
they fail (`failed`).

Each lockout and each start of a slowdown leaves a change record (`auth.lockout`); credentials
are never stored. `manage.py auth_unlock` lifts them early (`lift`).

The counters live in the "throttle" cache (Redis when `REDIS_URL` is set, shared by every
worker). A request that succeeds without a secret check (a token, remembered Basic credentials)
costs one cache call (`get_many` of its lock entries). If the cache fails, authentication goes
on unthrottled and the error is logged: an outage of the cache does not take the APIs down.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from audit.models import ChangeRecord
from audit.services import record

log = logging.getLogger("tessera.auth")

OBJECT_TYPE = "auth.lockout"

ADDRESS = "address"  # one address, whatever it names: locked
PAIR = "client-address"  # one identifier from one address: locked
CLIENT = "client"  # one identifier from every address: slowed


@dataclass(frozen=True)
class Subject:
    """A counter an attempt counts against: its kind, its value and its bound."""

    kind: str
    value: str
    bound: int

    def key(self, prefix: str) -> str:
        digest = hmac.new(settings.SECRET_KEY.encode(), f"{self.kind}\0{self.value}".encode(),
                          hashlib.sha256).hexdigest()[:40]
        return f"{prefix}:{self.kind}:{digest}"

    @property
    def locks(self) -> bool:
        return self.kind != CLIENT


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

    def subjects(self) -> list[Subject]:
        """The counters this attempt counts against (a bound of 0 is no counter)."""
        subjects = [Subject(ADDRESS, self.address, settings.AUTH_FAILURES_PER_ADDRESS)]
        if self.identifier is not None:
            subjects += [
                Subject(PAIR, f"{self.identifier}\0{self.address}",
                        settings.AUTH_FAILURES_PER_CLIENT),
                Subject(CLIENT, self.identifier, settings.AUTH_FAILURES_PER_CLIENT_ANY_ADDRESS),
            ]
        return [s for s in subjects if s.bound > 0]


def _cache():
    return caches["throttle"]


def now() -> float:
    """The lockout's clock (seconds since the epoch): every lock, turn and wait reads it here,
    so a test advances it instead of sleeping (tests/api/test_auth_throttling.py, `clock`)."""
    return time.time()


def _wait(until: float | None) -> int:
    wait = (until or 0) - now()
    return math.ceil(wait) if wait > 0 else 0


def locked_for(attempt: Attempt) -> int:
    """Seconds until the attempt's address, and its identifier from that address, are both
    free again (0: now). One cache call."""
    keys = [s.key("authlock") for s in attempt.subjects() if s.locks]
    if not keys:
        return 0
    try:
        locks = _cache().get_many(keys)
    except Exception:  # any backend's error: fail open, loudly
        log.error("authentication throttle: cache unavailable, not checked", exc_info=True)
        return 0
    return _wait(max(locks.values(), default=None))


@dataclass
class Admission:
    """An attempt's places in its counts, held while its secret is checked. `wait` > 0: the
    attempt is refused (nothing held); else call `failed()` or `release()` once. `waited`: it
    waited for other checks of its identifier (whose success a caller may have remembered)."""

    attempt: Attempt
    wait: int = 0
    waited: bool = False
    held: list[tuple[Subject, int]] = field(default_factory=list)

    def failed(self) -> None:
        """The secret was wrong: keep the places; start the lockouts they reach."""
        for subject, number in self.held:
            _reached(subject, number, self.attempt)
        self.held = []

    def hold(self) -> list[Subject]:
        """Take a place in each count; answers the counts this place is over the bound of (a
        lockout resets its count: over a locking bound without one, the bound's last places
        are held by checks under way)."""
        window = settings.AUTH_FAILURE_WINDOW_SECONDS
        over = []
        for subject in self.attempt.subjects():
            number = _bump(subject.key("authfail"), window)
            self.held.append((subject, number))
            if number > subject.bound:
                over.append(subject)
        return over

    def release(self) -> None:
        """The secret was right (or never checked): give the places back."""
        try:
            for subject, _ in self.held:
                _decr(subject.key("authfail"))
        except Exception:
            log.error("authentication throttle: cache unavailable, not released", exc_info=True)
        self.held = []


# While the checks under way could still reach a bound, an attempt waits for their outcome
# (polling every PAUSE_SECONDS, at most WAIT_SECONDS, then 429 with Retry-After: 1): a burst of
# right secrets (an integration's workers starting at once) is delayed, not refused.
PAUSE_SECONDS = 0.05
WAIT_SECONDS = 5.0


def _pause() -> None:
    time.sleep(PAUSE_SECONDS)


def admit(attempt: Attempt) -> Admission:
    """Before a secret is checked (after `locked_for`): hold the attempt's place in each of its
    counts. Refused (`wait` > 0) while the attempt is locked out; after waiting, while the
    failures and the checks under way together are over a locking bound; or, over the
    any-address bound, while another check of the identifier had its turn less than
    `AUTH_SLOWDOWN_SECONDS` ago."""
    deadline = time.monotonic() + WAIT_SECONDS
    waited = False
    while True:
        admission = Admission(attempt, waited=waited)
        try:
            over = admission.hold()
            # read after the counts: a lockout that started meanwhile (and reset its count,
            # so that this attempt's place may be a fresh count's first) is seen
            wait = locked_for(attempt)
            busy = any(subject.locks for subject in over)
            if not wait and not busy:
                wait = max((_turn(subject) for subject in over), default=0)
        except Exception:  # see locked_for
            log.error("authentication throttle: cache unavailable, not counted", exc_info=True)
            admission.release()
            return admission
        if not wait and not busy:
            return admission
        admission.release()
        if wait or time.monotonic() >= deadline:
            admission.wait = wait or 1
            return admission
        _pause()
        waited = True


def failed(attempt: Attempt) -> None:
    """Count a failed attempt that checked no secret (a bad token, a malformed header): start
    the lockouts its counts reach."""
    window = settings.AUTH_FAILURE_WINDOW_SECONDS
    try:
        for subject in attempt.subjects():
            _reached(subject, _bump(subject.key("authfail"), window), attempt)
    except Exception:  # see locked_for
        log.error("authentication throttle: cache unavailable, not counted", exc_info=True)


def _turn(subject: Subject) -> int:
    """0 if a slowed identifier's secret may be checked now (one check per slowdown period,
    taken atomically), else the seconds until the next turn."""
    seconds = settings.AUTH_SLOWDOWN_SECONDS
    if seconds <= 0:
        return 0
    key = subject.key("authturn")
    if _cache().add(key, now() + seconds, seconds):
        return 0
    return _wait(_cache().get(key)) or 1


def _reached(subject: Subject, number: int, attempt: Attempt) -> None:
    """The `number`-th failure of a count: lock, or record the start of a slowdown, at the
    bound (added atomically, so recorded once)."""
    if number < subject.bound:
        return
    try:
        if subject.locks:
            until = now() + settings.AUTH_LOCKOUT_SECONDS
            started = _cache().add(subject.key("authlock"), until,
                                   settings.AUTH_LOCKOUT_SECONDS)
            if started:  # counting starts anew when the lockout ends
                _cache().delete(subject.key("authfail"))
        else:
            until = None
            started = _cache().add(subject.key("authslow"), 1,
                                   settings.AUTH_FAILURE_WINDOW_SECONDS)
    except Exception:  # see locked_for
        log.error("authentication throttle: cache unavailable, not locked", exc_info=True)
        return
    if started:
        _record(subject, number, until, attempt)


def _bump(key: str, window: int) -> int:
    """Add one to a count whose window starts with its first attempt; atomic (an `incr`, and
    an `add` to start the window: atomic in local memory and on Redis, `INCR` and `SET NX`)."""
    cache = _cache()
    started = False
    while True:
        try:
            number = cache.incr(key)
        except ValueError:  # no count in this window yet: start one (or another attempt does)
            started = cache.add(key, 0, window)
            continue
        if number == 1 and not started:  # a count back at 0, or one that expired between
            cache.touch(key, window)  # Django's EXISTS and INCR, which makes a key that
        return number  # never expires: give it a window


def _decr(key: str) -> None:
    try:
        if _cache().decr(key) < 0:  # the window ended meanwhile (Redis made a new key)
            _cache().delete(key)
    except ValueError:  # the window ended meanwhile
        pass


def _record(subject: Subject, failures: int, until: float | None, attempt: Attempt) -> None:
    identifier, address = attempt.identifier, attempt.address
    kind, name = (("address", address) if subject.kind == ADDRESS
                  else ("client", identifier) if subject.kind == PAIR
                  else ("slowdown", identifier))
    if until is None:
        log.warning("authentication slowdown of client %r after %s failures from every address",
                    identifier, failures)
        outcome = {"slowdown_seconds": settings.AUTH_SLOWDOWN_SECONDS}
    else:
        log.warning("authentication lockout of %s %r from %s for %ss after %s failures",
                    kind, name, address, settings.AUTH_LOCKOUT_SECONDS, failures)
        outcome = {"locked_until": datetime.fromtimestamp(until, UTC).isoformat()}
    label = "address" if kind == "address" else "client"
    with transaction.atomic():
        record(
            action=ChangeRecord.Action.CREATE,
            object_type=OBJECT_TYPE,
            object_id=f"{label}:{name}"[:255],
            object_repr=f"{'slowdown' if kind == 'slowdown' else 'lockout'} of {label} "
                        f"{name}"[:255],
            after={
                "kind": kind,
                label: name,
                "address": address,
                "failures": failures,
                "window_seconds": settings.AUTH_FAILURE_WINDOW_SECONDS,
                **outcome,
            },
        )


def lift(kind: str, value: str) -> bool:
    """End the lockout of an address, or every lockout and the slowdown of a client identifier
    ("address" / "client"), and forget their failures; True if any was under way. Records the
    lift (`auth_unlock`). A client is locked out per address: the addresses are those of its
    lockouts' change records within `AUTH_LOCKOUT_SECONDS`."""
    cache = _cache()
    if kind == "address":
        subjects = [Subject(ADDRESS, value, 0)]
    else:
        since = timezone.now() - timedelta(seconds=settings.AUTH_LOCKOUT_SECONDS + 1)
        addresses = set(ChangeRecord.objects.filter(
            object_type=OBJECT_TYPE, object_id=f"client:{value}"[:255], action="create",
            created_at__gte=since).values_list("after__address", flat=True))
        subjects = [Subject(PAIR, f"{value}\0{address}", 0) for address in addresses]
        subjects.append(Subject(CLIENT, value, 0))
    was_locked = False
    for subject in subjects:
        if subject.locks:
            was_locked |= cache.delete(subject.key("authlock"))
        else:
            was_locked |= cache.delete(subject.key("authslow"))
            cache.delete(subject.key("authturn"))
        cache.delete(subject.key("authfail"))
    if was_locked:
        with transaction.atomic():
            record(action=ChangeRecord.Action.DELETE, object_type=OBJECT_TYPE,
                   object_id=f"{kind}:{value}"[:255],
                   object_repr=f"lockout of {kind} {value}"[:255])
    return was_locked
