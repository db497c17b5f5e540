"""export_accounts: every account as one NDJSON object, in the shape import_accounts reads.

    {"id": <common id or null>, "name": ..., "sources": [{"client": <OAuth2 client id>,
     "externalId": ..., "name": ...}], "users": [{"client": ..., "externalId": ...,
     "identity": <identity UUID or null while pending>, "email": <the Users API's or null>}]}

Streamed a chunk of accounts at a time, with a fixed number of queries a chunk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from oauth2_provider.models import Application

from accounts.models import Account, AccountSource, AccountUser
from identities.models import ExternalIdentity

CHUNK = 2000


def export_rows() -> Iterator[dict[str, Any]]:
    clients = dict(Application.objects.values_list("id", "client_id"))
    last = 0
    while True:
        accounts = list(Account.objects.filter(pk__gt=last).order_by("pk")
                        .values_list("pk", "common_id", "name")[:CHUNK])
        if not accounts:
            return
        last = accounts[-1][0]
        ids = [pk for pk, _, _ in accounts]
        sources = defaultdict(list)
        for account_id, connector_id, external_id, name in (
                AccountSource.objects.filter(account_id__in=ids).order_by("pk")
                .values_list("account_id", "connector_id", "external_id", "name")):
            sources[account_id].append({"client": clients.get(connector_id),
                                        "externalId": external_id, "name": name})
        users = defaultdict(list)
        rows = list(AccountUser.objects.filter(account_id__in=ids).order_by("pk").values_list(
            "account_id", "connector_id", "external_id", "identity_id"))
        emails = _emails({(c, e) for _, c, e, i in rows if i is not None})
        for account_id, connector_id, external_id, identity_id in rows:
            users[account_id].append({
                "client": clients.get(connector_id), "externalId": external_id,
                "identity": str(identity_id) if identity_id else None,
                "email": emails.get((connector_id, external_id))})
        for pk, common_id, name in accounts:
            yield {"id": common_id, "name": name, "sources": sources[pk], "users": users[pk]}


def _emails(keys: set[tuple[int, str]]) -> dict[tuple[int, str], str]:
    if not keys:
        return {}
    by_connector: dict[int, list[str]] = defaultdict(list)
    for connector_id, external_id in keys:
        by_connector[connector_id].append(external_id)
    q = Q(pk__in=[])
    for connector_id, external_ids in by_connector.items():
        q |= Q(connector_id=connector_id, external_id__in=external_ids)
    return {(c, e): email for c, e, email in ExternalIdentity.objects.filter(q).values_list(
        "connector_id", "external_id", "email")}
