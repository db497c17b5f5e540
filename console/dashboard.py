"""The figures of the console's index page, each one aggregate query (cached for a minute:
the change log can hold millions of rows, and operators reload the index often).

The minute is kept in the "default" cache: Redis when REDIS_URL is set, so that every node
shows the same figures (a node's own copy would make a reload through the proxy jump between
two ages); this process's memory otherwise. Without the cache (Redis down) the figures are
computed on each view."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from redis import RedisError

from audit.models import ChangeRecord
from authorisations.models import Authorisation
from console.models import Refusal
from identities.models import Identity
from orgs.models import Organization, OrgUser

DAYS = 14
EXPIRING_DAYS = 30
CACHE_SECONDS = 60
# the surface a change belongs to, by the app of its object type
SURFACES = {"orgs": "CustomerID", "authorisations": "onePortal", "accounts": "Ainua",
            "identities": "additiv", "audit": "additiv", "backoffice": "additiv"}
OTHER = "other"
KEY = "console:dashboard"
log = logging.getLogger("tessera.console")


@dataclass(frozen=True)
class Figures:
    days: list[date]
    changes: dict[str, list[int]]  # surface -> changes a day, aligned with `days`
    actors: list[tuple[str, int]]  # the busiest actors over the days, with their changes
    authorisations: dict[str, int]
    users: dict[str, int]
    organizations: list[tuple[str, int]]
    refusals: list[Refusal]
    refusals_by_client: list[tuple[str, int]]


def figures() -> Figures:
    try:
        found = cache.get(KEY)
    except RedisError:  # answer without the cache, loudly
        log.error("dashboard: cache unavailable, figures computed", exc_info=True)
        return _figures()
    if found is None:
        found = _figures()
        try:
            cache.set(KEY, found, CACHE_SECONDS)
        except RedisError:
            log.error("dashboard: cache unavailable, figures not kept", exc_info=True)
    return found


def _figures() -> Figures:
    now = timezone.now()
    today = timezone.localdate(now)
    days = [today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    since = now - timedelta(days=DAYS)
    recent = ChangeRecord.objects.filter(created_at__gte=since)
    changes: dict[str, list[int]] = defaultdict(lambda: [0] * DAYS)
    index = {day: n for n, day in enumerate(days)}
    for row in (recent.annotate(day=TruncDate("created_at")).values("day", "object_type")
                .annotate(n=Count("pk")).order_by()):
        if row["day"] in index:
            surface = SURFACES.get(row["object_type"].partition(".")[0], OTHER)
            changes[surface][index[row["day"]]] += row["n"]
    actors = [(row["actor_repr"] or "(system)", row["n"]) for row in
              recent.values("actor_repr").annotate(n=Count("pk")).order_by("-n")[:8]]
    active = Q(revoked=False, valid_from__lte=now) & (Q(valid_to__isnull=True)
                                                      | Q(valid_to__gt=now))
    counted = Authorisation.objects.filter(deleted_at__isnull=True).aggregate(
        n_active=Count("pk", filter=active),
        n_expiring=Count("pk", filter=active & Q(
            valid_to__lte=now + timedelta(days=EXPIRING_DAYS))),
        n_future=Count("pk", filter=Q(revoked=False, valid_from__gt=now)),
        n_revoked=Count("pk", filter=Q(revoked=True)),
        n_expired=Count("pk", filter=Q(revoked=False, valid_to__lte=now)))
    authorisations = {name.removeprefix("n_"): n for name, n in counted.items()}
    users = Identity.objects.filter(is_staff=False).aggregate(
        signin_enabled=Count("pk", filter=Q(is_active=True)),
        signin_disabled=Count("pk", filter=Q(is_active=False)))
    users.update({f"CustomerID {row['status']}": row["n"] for row in
                  OrgUser.objects.values("status").annotate(n=Count("pk")).order_by("status")})
    organizations = [(row["org_type"] or "(no type)", row["n"]) for row in
                     Organization.objects.values("org_type").annotate(n=Count("pk"))
                     .order_by("-n", "org_type")]
    day_ago = now - timedelta(days=1)
    by_client = Counter(dict(
        (row["client"] or "(not authenticated)", row["n"]) for row in
        Refusal.objects.filter(at__gte=day_ago).values("client").annotate(n=Count("pk"))
        .order_by()))
    return Figures(days=days, changes=dict(sorted(changes.items())), actors=actors,
                   authorisations=authorisations, users=users, organizations=organizations,
                   refusals=list(Refusal.objects.order_by("-id")[:10]),
                   refusals_by_client=by_client.most_common(8))
