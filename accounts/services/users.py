"""PATCH users (the vendor's Users API) and identities deleted elsewhere: external users
merged into identities by email, their bindings following them."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from accounts.models import AccountUser
from accounts.services.common import LOCK, Action, Summary, account_party, mirror
from accounts.validation import UserEntry
from audit.services import Change, audited, object_type_of, record_bulk
from audit.states import snapshot
from authorisations.services.mirror import mirrors_create, mirrors_delete
from core import locks
from foundation.bulk.write import update_rows
from identities.services.external import (
    ExternalUser,
    Moved,
    external_identities_apply,
    external_identities_forget,
)


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


def identities_unbind(ids) -> None:
    """Before identities are deleted (identities.services.hooks; the identity admin, CustomerID's
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
