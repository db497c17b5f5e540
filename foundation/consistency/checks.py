"""A system check: pins kept in process memory do not reach the other processes."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from foundation.consistency import replica


@checks.register(checks.Tags.database)
def pins_are_shared(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if not replica.configured() or settings.REDIS_URL:
        return []
    return [checks.Warning(
        "DATABASE_REPLICA_URL is set but REDIS_URL is not: a client's pin to the primary after "
        "its write is kept in this process only, so a read served by another process may miss "
        "that write (unless the client sends its Tessera-Consistency token back).",
        hint="Set REDIS_URL to the Redis every app process shares.",
        id="tessera.W001")]
