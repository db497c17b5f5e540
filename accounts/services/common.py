"""What the accounts services share: the summary of a call, the Ainua lock, the mirror's
namespace and type, and small helpers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.db.models import Q

from accounts.models import Account
from audit.models import ChangeRecord
from authorisations.services.mirror import Mirror, Party, mirror_ensure
from foundation.bulk.write import one_of, reserve_block

Action = ChangeRecord.Action
NAMESPACE = "ainua"
NAMESPACE_NAME = "Ainua account bindings"
TYPE_CODE = "account-user"
TYPE_NAME = "Ainua account user"
# One Ainua write at a time (PostgreSQL; SQLite serialises writers itself): two connectors'
# first writes of one common id, or of one email, would otherwise both make it (a unique
# violation at commit, or two identities for one person).
LOCK = "accounts.ainua"
ACCOUNT_COLUMNS = ("id", "common_id", "name", "created", "modified")
SOURCE_COLUMNS = ("id", "account_id", "connector_id", "external_id", "name", "created",
                  "modified")
USER_COLUMNS = ("id", "account_id", "connector_id", "external_id", "identity_id",
                "authorisation_id", "created")


@dataclass
class Summary:
    """What a call did, by entry (the 200 body of the PATCH calls)."""

    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def mirror() -> Mirror:
    return mirror_ensure(namespace_code=NAMESPACE, namespace_name=NAMESPACE_NAME,
                         type_code=TYPE_CODE, type_name=TYPE_NAME)


def account_party(account: Account, identity_id) -> Party:
    """A binding's mirror: subject the identity, object the account — its common id (a
    `target`), or `account:<pk>` (a `string`) for an account without one."""
    if account.common_id:
        return Party(str(identity_id), "target", account.common_id)
    return Party(str(identity_id), "string", f"account:{account.pk}")


def assign_ids(model, rows: list) -> None:
    """New rows' ids, in one statement (every insert into these tables holds LOCK)."""
    if rows:
        for row, pk in zip(rows, reserve_block(model._meta.db_table, len(rows)), strict=True):
            row.pk = pk


def keys_q(keys: Iterable[tuple[int, str]]) -> Q:
    """(connector, external id) pairs, one branch a connector, each connector's external ids
    as one parameter (`one_of`)."""
    by_connector: dict[int, list[str]] = defaultdict(list)
    for connector_id, external_id in keys:
        by_connector[connector_id].append(external_id)
    q = Q(pk__in=[])
    for connector_id, external_ids in by_connector.items():
        q |= Q(one_of("external_id", external_ids), connector_id=connector_id)
    return q


def pairs_q(pairs: set[tuple[int, int]]) -> Q:
    """(account, connector) pairs, one branch a connector (a few whatever the pairs)."""
    by_connector: dict[int, list[int]] = defaultdict(list)
    for account_id, connector_id in pairs:
        by_connector[connector_id].append(account_id)
    q = Q(pk__in=[])
    for connector_id, account_ids in by_connector.items():
        q |= Q(connector_id=connector_id, account_id__in=account_ids)
    return q
