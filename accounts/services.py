"""Every write of the accounts context (the Ainua Accounts and Users APIs, the import, the
admin): set-based, so a map of 1,000 entries costs the statements a map of one does; each
call one transaction under one audit context, unchanged entries writing nothing.

Invariants kept here: a connector's users of an account exist only while the connector has a
source bound to it (a connector that loses its last source there loses its users list); an
account exists while it has a source (it is removed, with a tombstone, with the last); each
resolved user binding has its mirror authorisation (`authorisations.mirror`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from json.encoder import encode_basestring_ascii
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Account, AccountSource, AccountUser
from accounts.validation import AccountEntry, UserEntry
from audit.models import ChangeRecord
from audit.services import Change, audited, change_copy_fields, object_type_of, record_bulk
from audit.states import encoded_snapshot, json_time, snapshot
from authorisations.mirror import Mirror, Party, mirror_ensure, mirrors_create, mirrors_delete
from core import locks
from core.bulk.write import insert_rows, one_of, reserve_ids, update_rows
from core.errors import NotFoundError
from identities.external import (
    ExternalUser,
    Moved,
    external_identities_apply,
    external_identities_forget,
)
from identities.models import ExternalIdentity

Action = ChangeRecord.Action
NAMESPACE = "ainua"
NAMESPACE_NAME = "Ainua account bindings"
TYPE_CODE = "account-user"
TYPE_NAME = "Ainua account user"
# One Ainua write at a time (PostgreSQL; SQLite serialises writers itself): two connectors'
# first writes of one common id, or of one email, would otherwise both make it (a 409, or
# two identities for one person).
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


class SourceItem(NamedTuple):
    """One connector's external account and what to do with it (`entry` None: remove)."""

    connector_id: int
    external_id: str
    entry: AccountEntry | None


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


def mirror() -> Mirror:
    return mirror_ensure(namespace_code=NAMESPACE, namespace_name=NAMESPACE_NAME,
                         type_code=TYPE_CODE, type_name=TYPE_NAME)


def account_party(account: Account, identity_id) -> Party:
    """A binding's mirror: subject the identity, object the account — its common id (a
    `target`), or `account:<pk>` (a `string`) for an account without one."""
    if account.common_id:
        return Party(str(identity_id), "target", account.common_id)
    return Party(str(identity_id), "string", f"account:{account.pk}")


# --- PATCH accounts -------------------------------------------------------------------------------

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
    _assign_ids(Account, made)
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
    changes += users_remove(Q(account_id__in=emptied) | _pairs_q(left))
    changes += _sources_delete(removed)
    changes += _sources_update(moved)
    changes += _sources_insert(new_sources)
    changes += _accounts_delete(emptied)
    record_bulk(changes, copy=True, batch_size=max(len(changes), 1))
    return summary


def sources_of(keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], AccountSource]:
    by_connector: dict[int, list[str]] = defaultdict(list)
    for connector_id, external_id in keys:
        by_connector[connector_id].append(external_id)
    q = Q()
    for connector_id, external_ids in by_connector.items():
        q |= Q(one_of("external_id", external_ids), connector_id=connector_id)
    return {(s.connector_id, s.external_id): s for s in
            AccountSource.objects.filter(q).select_related("account")}


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


def _assign_ids(model, rows: list) -> None:
    if rows:
        for row, pk in zip(rows, reserve_ids(model._meta.db_table, len(rows)), strict=True):
            row.pk = pk


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


def _pairs_q(pairs: set[tuple[int, int]]) -> Q:
    """(account, connector) pairs, one branch a connector (a few whatever the pairs)."""
    by_connector: dict[int, list[int]] = defaultdict(list)
    for account_id, connector_id in pairs:
        by_connector[connector_id].append(account_id)
    q = Q(pk__in=[])
    for connector_id, account_ids in by_connector.items():
        q |= Q(connector_id=connector_id, account_id__in=account_ids)
    return q


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
    _assign_ids(AccountSource, sources)
    insert_rows(AccountSource._meta.db_table, SOURCE_COLUMNS,
                [(s.pk, s.account_id, s.connector_id, s.external_id, s.name, s.created,
                  s.modified) for s in sources])
    return [Change(Action.CREATE, object_type_of(AccountSource), str(s.pk),
                   after_encoded=encoded_snapshot(s),
                   object_repr=str(s)) for s in sources]


# --- PATCH accounts/{account_id}/users ------------------------------------------------------------

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
    for row in AccountUser.objects.filter(_pairs_q(pairs)):
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
    by_connector: dict[int, set[str]] = defaultdict(set)
    for connector_id, external_id in keys:
        by_connector[connector_id].add(external_id)
    if not by_connector:
        return {}
    q = Q(pk__in=[])
    for connector_id, external_ids in by_connector.items():
        q |= Q(one_of("external_id", external_ids), connector_id=connector_id)
    return {(c, e): i for c, e, i in ExternalIdentity.objects.filter(q).values_list(
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
    _assign_ids(AccountUser, rows)
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


# --- PATCH users ----------------------------------------------------------------------------------

def users_patch(*, connector_id: int, entries: Mapping[str, UserEntry | None]) -> Summary:
    """PATCH users: the connector's external users, merged into identities by email; the
    bindings of those whose identity changed follow it (pending ones resolve, removed users'
    go back to pending), mirrors included."""
    summary = Summary()
    with transaction.atomic(), audited():
        locks.exclusive(LOCK)
        updated: set[str] = set()
        moves = external_identities_apply(connector_id=connector_id, entries={
            key: None if entry is None else ExternalUser(*entry)
            for key, entry in entries.items()}, updated=updated)
        for key in entries:
            move = moves.get(key)
            if move is None:
                if key in updated:
                    summary.updated += 1
                else:
                    summary.unchanged += 1
            elif move.after is None:
                summary.removed += 1
            elif move.before is None:
                summary.created += 1
            else:
                summary.updated += 1
        bindings_follow(connector_id=connector_id, moves=moves)
    return summary


def users_link(*, connector_id: int, entries: Mapping[str, ExternalUser]) -> None:
    """Link a connector's external users (an import's); their bindings follow."""
    moves = external_identities_apply(connector_id=connector_id, entries=entries)
    bindings_follow(connector_id=connector_id, moves=moves)


def bindings_follow(*, connector_id: int, moves: Mapping[str, Moved]) -> None:
    """Move the connector's bindings of the external users whose identity changed."""
    if not moves:
        return
    rows = list(AccountUser.objects.filter(connector_id=connector_id,
                                           external_id__in=list(moves))
                .select_related("account"))
    stale, changed, parties = [], [], []
    for row in rows:
        after = moves[row.external_id].after
        if row.identity_id == after:
            continue
        before = snapshot(row)
        if row.authorisation_id:
            stale.append(row.authorisation_id)
        row.identity_id, row.authorisation_id = after, None
        if after is not None:
            parties.append((row, account_party(row.account, after)))
        changed.append((row, before))
    mirrors_delete(ids=stale)
    if parties:
        ids = mirrors_create(mirror=mirror(), parties=[party for _, party in parties])
        for (row, _), pk in zip(parties, ids, strict=True):
            row.authorisation_id = pk
    if changed:
        update_rows(AccountUser._meta.db_table, "id", ("identity_id", "authorisation_id"),
                    [(row.identity_id, row.authorisation_id, row.pk) for row, _ in changed])
    changes = [Change(Action.UPDATE, object_type_of(AccountUser), str(row.pk), before=before,
                      after=snapshot(row), object_repr=str(row)) for row, before in changed]
    record_bulk(changes, copy=True, batch_size=max(len(changes), 1))


# --- identities deleted elsewhere -----------------------------------------------------------------

def identities_unbind(ids) -> None:
    """Before identities are deleted (identities.hooks; the identity admin, CustomerID's
    Remove): their bindings go back to pending, their mirrors and external identities go,
    each with its change record."""
    rows = list(AccountUser.objects.filter(identity_id__in=ids))
    if rows:
        mirrors_delete(ids=[row.authorisation_id for row in rows if row.authorisation_id])
        changes = []
        for row in rows:
            before = snapshot(row)
            row.identity_id = row.authorisation_id = None
            changes.append(Change(Action.UPDATE, object_type_of(AccountUser), str(row.pk),
                                  before=before, after=snapshot(row), object_repr=str(row)))
        update_rows(AccountUser._meta.db_table, "id", ("identity_id", "authorisation_id"),
                    [(None, None, row.pk) for row in rows])
        record_bulk(changes, copy=True, batch_size=len(changes))
    external_identities_forget(ids)
