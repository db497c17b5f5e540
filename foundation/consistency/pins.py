"""A client that wrote reads from the primary for REPLICA_PIN_SECONDS, on every node.

The pin is a key per actor (an API client's service account, an operator) in the
`consistency` cache: Redis when REDIS_URL is set, so a read served by another node than the
write sees it. A Redis that cannot answer counts as a pin: the read goes to the primary.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import caches
from redis import RedisError

log = logging.getLogger(__name__)


def _key(actor_pk: object) -> str:
    return f"pin:{actor_pk}"


def pin(actor_pk: object) -> None:
    try:
        caches["consistency"].set(_key(actor_pk), 1, settings.REPLICA_PIN_SECONDS)
    except RedisError:
        log.warning("could not pin %s to the primary", actor_pk, exc_info=True)


def pinned(actor_pk: object) -> bool:
    try:
        return caches["consistency"].get(_key(actor_pk)) is not None
    except RedisError:
        log.warning("could not read the pin of %s", actor_pk, exc_info=True)
        return True
