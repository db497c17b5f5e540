"""PATCH accounts (and the admin's removal, the import's lines): connectors' external
accounts bound, merged by common id, re-bound, renamed or removed, set-based."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account, AccountSource
from accounts.services.bindings import users_remove
from accounts.services.common import (
    ACCOUNT_COLUMNS,
    LOCK,
    SOURCE_COLUMNS,
    Action,
    Summary,
    assign_ids,
    keys_q,
    pairs_q,
)
from accounts.validation import AccountEntry
from audit.services import Change, audited, object_type_of, record_bulk
from audit.states import encoded_snapshot, snapshot
from core import locks
from foundation.bulk.write import insert_rows, update_rows


class SourceItem(NamedTuple):
    """One connector's external account and what to do with it (`entry` None: remove)."""

    connector_id: int
    external_id: str
    entry: AccountEntry | None


def accounts_patch(*, connector_id: int, entries: Mapping[str, AccountEntry | None]) -> Summary:
    """PATCH accounts: one connector's map of external accounts."""
    with transaction.atomic(), audited():
        locks.exclusive(LOCK)
        return sources_apply([SourceItem(connector_id, key, entry)
                              for key, entry in entries.items()])


def account_delete(*, account: Account) -> None:
    """Remove an account (the admin): every source's binding, its users and mirrors with
    it, then the account, each with its change record."""
    with transaction.atomic(), audited():
        locks.exclusive(LOCK)
        sources_apply([SourceItem(s.connector_id, s.external_id, None)
                       for s in AccountSource.objects.filter(account=account)])


def sources_apply(items: Sequence[SourceItem], *,
                  bound: dict[tuple[int, str], Account] | None = None) -> Summary:
    """Bind, re-bind, rename or remove connectors' external accounts (the last item of a key
    wins); accounts are found by common id or made; an account left without a source is
    removed, and a connector left without a source on an account loses its users there.
    `bound`, when given, receives the account each bound (connector, external id) is on (as
    written: its name the one written last)."""
    summary = Summary()
    bound = {} if bound is None else bound
    written: list[tuple[tuple[int, str], Account]] = []
    wanted = {(item.connector_id, item.external_id): item.entry for item in items}
    if not wanted:
        return summary
    now = timezone.now()
    existing = sources_of(wanted)
    common_ids = {e.common_id for e in wanted.values() if e is not None and e.common_id}
    accounts = ({a.common_id: a for a in Account.objects.filter(common_id__in=common_ids)}
                if common_ids else {})
    made: list[Account] = []
    renamed: dict[int, tuple[Account, dict]] = {}
    new_sources: list[tuple[AccountSource, Account]] = []
    moved: list[tuple[AccountSource, dict, Account]] = []
    removed: list[AccountSource] = []
    left: set[tuple[int, int]] = set()  # (account, connector) a source left
    for (connector_id, external_id), entry in wanted.items():
        source = existing.get((connector_id, external_id))
        if entry is None:
            if source is None:
                summary.unchanged += 1
            else:
                removed.append(source)
                left.add((source.account_id, connector_id))
                summary.removed += 1
            continue
        if entry.common_id:
            account = accounts.get(entry.common_id)
            if account is None:
                account = accounts[entry.common_id] = Account(
                    common_id=entry.common_id, name=entry.name, created=now, modified=now)
                made.append(account)
        elif source is not None and source.account.common_id is None:
            account = source.account
        else:
            account = Account(common_id=None, name=entry.name, created=now, modified=now)
            made.append(account)
        if (source is not None and account.pk is not None
                and source.account_id == account.pk and source.name == entry.name):
            bound[(connector_id, external_id)] = account
            summary.unchanged += 1
            continue
        written.append(((connector_id, external_id), account))
        _rename(account, entry.name, now, renamed)
        if source is None:
            new_sources.append((AccountSource(connector_id=connector_id,
                                              external_id=external_id, name=entry.name,
                                              created=now, modified=now), account))
            summary.created += 1
        else:
            moved.append((source, snapshot(source), account))
            summary.updated += 1
    assign_ids(Account, made)
    bound.update(written)
    gained = {(account.pk, source.connector_id) for source, account in new_sources}
    for source, _, account in moved:
        if source.account_id != account.pk:
            left.add((source.account_id, source.connector_id))
        source.account_id, source.name, source.modified = account.pk, wanted[
            (source.connector_id, source.external_id)].name, now
        gained.add((account.pk, source.connector_id))
    left -= gained
    emptied, left = _emptied(left, gained, {s.pk for s in removed} | {s.pk for s, _, _ in moved})
    changes = _accounts_insert(made)
    changes += _accounts_rename([pair for pk, pair in renamed.items() if pk not in emptied])
    changes += users_remove(Q(account_id__in=emptied) | pairs_q(left))
    changes += _sources_delete(removed)
    changes += _sources_update(moved)
    changes += _sources_insert(new_sources)
    changes += _accounts_delete(emptied)
    record_bulk(changes, copy=True, batch_size=max(len(changes), 1))
    return summary


def sources_of(keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], AccountSource]:
    return {(s.connector_id, s.external_id): s for s in
            AccountSource.objects.filter(keys_q(keys)).select_related("account")}


def accounts_rename(names: Mapping[int, str]) -> None:
    """Name accounts (by pk) as given, where their name differs (an import's line)."""
    if not names:
        return
    now = timezone.now()
    renamed: dict[int, tuple[Account, dict]] = {}
    for account in Account.objects.filter(pk__in=list(names)):
        _rename(account, names[account.pk], now, renamed)
    changes = _accounts_rename(list(renamed.values()))
    record_bulk(changes, copy=True, batch_size=max(len(changes), 1))


def _rename(account: Account, name: str, now, renamed: dict) -> None:
    """The account's name is the one written last."""
    if account.name == name:
        return
    if account.pk is not None and account.pk not in renamed:
        renamed[account.pk] = (account, snapshot(account))
    account.name = name
    account.modified = now


def _emptied(left: set[tuple[int, int]], gained: set[tuple[int, int]], touched: set[int]
             ) -> tuple[set[int], set[tuple[int, int]]]:
    """Of the accounts sources left: those with no source any more, and the (account,
    connector) pairs with none of that connector's."""
    if not left:
        return set(), set()
    candidates = {account_id for account_id, _ in left}
    remaining = set(AccountSource.objects.filter(account_id__in=candidates)
                    .exclude(pk__in=touched).values_list("account_id", "connector_id"))
    remaining |= gained
    kept = {account_id for account_id, _ in remaining}
    return candidates - kept, {pair for pair in left if pair not in remaining}


def _accounts_insert(made: list[Account]) -> list[Change]:
    if not made:
        return []
    insert_rows(Account._meta.db_table, ACCOUNT_COLUMNS,
                [(a.pk, a.common_id, a.name, a.created, a.modified) for a in made])
    return [Change(Action.CREATE, object_type_of(Account), str(a.pk),
                   after_encoded=encoded_snapshot(a),
                   object_repr=str(a)) for a in made]


def _accounts_rename(renamed: list[tuple[Account, dict]]) -> list[Change]:
    if not renamed:
        return []
    update_rows(Account._meta.db_table, "id", ("name", "modified"),
                [(a.name, a.modified, a.pk) for a, _ in renamed])
    return [Change(Action.UPDATE, object_type_of(Account), str(a.pk), before=before,
                   after=snapshot(a), object_repr=str(a)) for a, before in renamed]


def _accounts_delete(ids: set[int]) -> list[Change]:
    if not ids:
        return []
    gone = list(Account.objects.filter(pk__in=ids))
    Account.objects.filter(pk__in=ids)._raw_delete(connection.alias)
    return [Change(Action.DELETE, object_type_of(Account), str(a.pk), before=snapshot(a),
                   object_repr=str(a)) for a in gone]


def _sources_delete(removed: list[AccountSource]) -> list[Change]:
    if not removed:
        return []
    AccountSource.objects.filter(pk__in=[s.pk for s in removed])._raw_delete(connection.alias)
    return [Change(Action.DELETE, object_type_of(AccountSource), str(s.pk), before=snapshot(s),
                   object_repr=str(s)) for s in removed]


def _sources_update(moved: list[tuple[AccountSource, dict, Account]]) -> list[Change]:
    if not moved:
        return []
    update_rows(AccountSource._meta.db_table, "id", ("account_id", "name", "modified"),
                [(s.account_id, s.name, s.modified, s.pk) for s, _, _ in moved])
    return [Change(Action.UPDATE, object_type_of(AccountSource), str(s.pk), before=before,
                   after=snapshot(s), object_repr=str(s)) for s, before, _ in moved]


def _sources_insert(new: list[tuple[AccountSource, Account]]) -> list[Change]:
    if not new:
        return []
    for source, account in new:
        source.account_id = account.pk
    sources = [source for source, _ in new]
    assign_ids(AccountSource, sources)
    insert_rows(AccountSource._meta.db_table, SOURCE_COLUMNS,
                [(s.pk, s.account_id, s.connector_id, s.external_id, s.name, s.created,
                  s.modified) for s in sources])
    return [Change(Action.CREATE, object_type_of(AccountSource), str(s.pk),
                   after_encoded=encoded_snapshot(s),
                   object_repr=str(s)) for s in sources]
