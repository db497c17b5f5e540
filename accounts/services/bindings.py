"""PATCH accounts/{account_id}/users (and the import's users): a connector's users of an
account, bound to their identities where the Users API named them, mirrored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring_ascii

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Account, AccountSource, AccountUser
from accounts.services.common import (
    LOCK,
    USER_COLUMNS,
    Action,
    Summary,
    account_party,
    assign_ids,
    keys_q,
    mirror,
    pairs_q,
)
from audit.services import Change, audited, change_copy_fields, object_type_of, record_bulk
from audit.states import json_time, snapshot
from authorisations.services.mirror import mirrors_create, mirrors_delete
from core import locks
from core.errors import NotFoundError
from foundation.bulk.write import insert_rows
from identities.models import ExternalIdentity


class NewBinding:
    """A new AccountUser's column values (a model object each cost more than the rest of
    its write); `encoded_snapshot` reads it as the model's row."""

    __slots__ = USER_COLUMNS

    def __init__(self, account_id: int, connector_id: int, external_id: str, created) -> None:
        self.id = self.identity_id = self.authorisation_id = None
        self.account_id, self.connector_id = account_id, connector_id
        self.external_id, self.created = external_id, created

    @property
    def pk(self):
        return self.id

    @pk.setter
    def pk(self, value) -> None:
        self.id = value

    def __str__(self) -> str:
        return f"{self.external_id} @ {self.account_id}"


def account_of_connector(*, connector_id: int, account_id: str) -> Account:
    """The account a users path names: by common id, or (an account without one) by this
    connector's external id; one this connector has a source on, else NotFoundError."""
    mine = AccountSource.objects.filter(account=OuterRef("pk"), connector_id=connector_id)
    by_external = AccountSource.objects.filter(connector_id=connector_id,
                                               external_id=account_id).values("account_id")
    found = (Account.objects.filter(Exists(mine))
             .filter(Q(common_id=account_id.strip())
                     | Q(common_id__isnull=True, pk__in=by_external)).first())
    if found is None:
        raise NotFoundError(f"Account {account_id[:80]} was not found (among the accounts "
                            "this connector has sent).")
    return found


def account_users_set(*, connector_id: int, account: Account, external_ids: Sequence[str],
                      replace: bool = True) -> Summary:
    """The connector's users of the account become `external_ids` (`replace`), or gain them.
    A user the Users API has named is bound to its identity (and mirrored); others wait,
    pending, until it does."""
    with transaction.atomic(), audited():
        locks.exclusive(LOCK)
        return bindings_apply([(account, connector_id, list(external_ids))], replace=replace)


def bindings_apply(lists: Sequence[tuple[Account, int, list[str]]], *,
                   replace: bool) -> Summary:
    """Users lists of (account, connector) pairs, in a fixed number of statements."""
    summary = Summary()
    if not lists:
        return summary
    pairs = {(account.pk, connector_id) for account, connector_id, _ in lists}
    existing: dict[tuple[int, int], dict[str, AccountUser]] = defaultdict(dict)
    for row in AccountUser.objects.filter(pairs_q(pairs)):
        existing[(row.account_id, row.connector_id)][row.external_id] = row
    drop: list[AccountUser] = []
    add: list[NewBinding] = []
    accounts: dict[int, Account] = {}
    now = timezone.now()
    for account, connector_id, external_ids in lists:
        accounts[account.pk] = account
        have = existing[(account.pk, connector_id)]
        wanted = dict.fromkeys(external_ids)
        if replace:
            drop += [row for key, row in have.items() if key not in wanted]
            summary.removed += sum(1 for key in have if key not in wanted)
        for key in wanted:
            if key in have:
                summary.unchanged += 1
            else:
                have[key] = NewBinding(account.pk, connector_id, key, now)
                add.append(have[key])
                summary.created += 1
    changes = _users_delete(drop)
    _resolve(add)
    created, prepared = _users_insert(add, accounts)
    changes += created
    record_bulk(changes, copy=True, prepared=prepared, batch_size=max(len(changes), 1))
    return summary


def links_of(keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], object]:
    """The identity each (connector, external user id) is linked to, where it is."""
    keys = set(keys)
    if not keys:
        return {}
    return {(c, e): i for c, e, i in ExternalIdentity.objects.filter(keys_q(keys)).values_list(
        "connector_id", "external_id", "identity_id")}


def _resolve(rows: list[NewBinding]) -> None:
    """Each new binding's identity, where the Users API has named the user."""
    if not rows:
        return
    links = links_of((row.connector_id, row.external_id) for row in rows)
    for row in rows:
        row.identity_id = links.get((row.connector_id, row.external_id))


def _users_insert(rows: list[NewBinding], accounts: dict[int, Account]
                  ) -> tuple[list[Change], list[str]]:
    """Insert new bindings (their mirrors first); their change records: as Changes, or on
    PostgreSQL as prepared COPY lines (`record_bulk(prepared=...)`), the import's hot path."""
    if not rows:
        return [], []
    resolved = [row for row in rows if row.identity_id is not None]
    if resolved:
        ids = mirrors_create(mirror=mirror(), parties=[
            account_party(accounts[row.account_id], row.identity_id) for row in resolved])
        for row, pk in zip(resolved, ids, strict=True):
            row.authorisation_id = pk
    assign_ids(AccountUser, rows)
    insert_rows(AccountUser._meta.db_table, USER_COLUMNS,
                [(r.pk, r.account_id, r.connector_id, r.external_id, r.identity_id,
                  r.authorisation_id, r.created) for r in rows])
    states = binding_states(rows)
    kind = object_type_of(AccountUser)
    if connection.vendor == "postgresql":
        return [], [change_copy_fields(Action.CREATE.value, kind, str(r.id), str(r),
                                       after_encoded=state)
                    for r, state in zip(rows, states, strict=True)]
    return [Change(Action.CREATE, kind, str(r.id), after_encoded=state, object_repr=str(r))
            for r, state in zip(rows, states, strict=True)], []


def binding_states(rows: list[NewBinding]) -> list[str]:
    """`audit.states.encoded_snapshot` of new bindings, written out: the same JSON text
    (tests/accounts/test_services.py holds them equal), at a fraction of the generic cost."""
    created = {}
    out = []
    for r in rows:
        moment = created.get(r.created)
        if moment is None:
            moment = created[r.created] = f'"{json_time(r.created)}"'
        out.append(
            f'{{"id":{r.id},"account":{r.account_id},"connector":{r.connector_id},'
            f'"external_id":{encode_basestring_ascii(r.external_id)},'
            f'"identity":{_uuid_json(r.identity_id)},'
            f'"authorisation":{_uuid_json(r.authorisation_id)},"created":{moment}}}')
    return out


def _uuid_json(value) -> str:
    return "null" if value is None else f'"{value}"'


def _users_delete(rows: list[AccountUser]) -> list[Change]:
    if not rows:
        return []
    mirrors_delete(ids=[row.authorisation_id for row in rows if row.authorisation_id])
    AccountUser.objects.filter(pk__in=[row.pk for row in rows])._raw_delete(connection.alias)
    return [Change(Action.DELETE, object_type_of(AccountUser), str(r.pk), before=snapshot(r),
                   object_repr=str(r)) for r in rows]


def users_remove(q: Q) -> list[Change]:
    """Remove the bindings `q` selects (with their mirrors); their change records."""
    return _users_delete(list(AccountUser.objects.filter(q)))
