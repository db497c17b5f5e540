"""Bulk services of accounts: an import's new accounts, with their sources and pending user
bindings, written from rows its reading process encoded.

What is written is what the services write for the same lines (`sources_apply`, then
`bindings_apply`): the same rows and the same change records (`encoded_snapshot`'s states;
tests/accounts/test_import_export.py holds them equal), each kind in one COPY (one
executemany on SQLite) whatever the batch's size. The rows' ids and their accounts' ids are
left open (`foundation.bulk.holes`) and filled here: the ids from `reserve_block`, which the Ainua
lock every write of these tables takes makes safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from json.encoder import encode_basestring_ascii
from typing import NamedTuple

from accounts.models import Account, AccountSource, AccountUser
from accounts.services.common import ACCOUNT_COLUMNS, SOURCE_COLUMNS, USER_COLUMNS, Action
from audit.copytext import NULL, copy_field, copy_fields
from audit.services import change_copy_fields, object_type_of, record_bulk
from audit.states import json_time
from foundation.bulk.holes import HOLE, filled, interleaved, repeated
from foundation.bulk.run import picked
from foundation.bulk.write import copy_text, db_time, reserve_block

CREATE = Action.CREATE.value
ACCOUNT, SOURCE, USER = (object_type_of(m) for m in (Account, AccountSource, AccountUser))
# an id's text is at most 19 digits: an object's repr that holds one (a source's, a
# binding's) is short enough to leave open when its own part is no longer than this
REPR_OPEN = 255 - len(" → ") - 19


class NewLine(NamedTuple):
    """An import line's account as new: its common id and name, its sources (connector,
    external id, name) and its users (connector, external id), each once."""

    line: int
    common_id: str | None
    name: str
    sources: Sequence[tuple[int, str, str]]
    users: Sequence[tuple[int, str]]


class NewAccounts(NamedTuple):
    """A batch's lines as new accounts, encoded in the reading process: for each line (in
    `lines` order), its account's row and change record, its sources' and its bindings'
    rows and records (newline-joined; "" for none) as COPY text, and how many sources and
    bindings it has. Holes: an account's id (row; record: id, id), a source's or binding's
    id and account (row: id, account; record: id, account, id, account)."""

    lines: tuple[int, ...]
    accounts: tuple[str, ...]
    account_changes: tuple[str, ...]
    sources: tuple[str, ...]
    source_changes: tuple[str, ...]
    users: tuple[str, ...]
    user_changes: tuple[str, ...]
    counts: tuple[tuple[int, int], ...]


def openable(external_id: str) -> bool:
    """Whether a source's or binding's repr may be left open (see REPR_OPEN)."""
    return len(external_id) <= REPR_OPEN


def accounts_prepare(lines: Sequence[NewLine], now: datetime) -> NewAccounts:
    """The lines' rows and change records as new (pure: no database). Their times: `now`."""
    stamp, moment = db_time(now), f'"{json_time(now)}"'
    columns: list[list] = [[] for _ in range(7)]
    for new in lines:
        parts = _line(new, stamp, moment)
        for column, part in zip(columns, parts, strict=True):
            column.append(part)
    return NewAccounts(tuple(new.line for new in lines), *map(tuple, columns))


def _line(new: NewLine, stamp: str, moment: str) -> tuple:
    """A line's texts, written out (`copy_fields` and `change_copy_fields` of the values the
    services write, at a fraction of their generic cost: 700,000 rows a file)."""
    ids = f"{HOLE}\t{HOLE}\t"
    sources, source_changes = [], []
    for connector, external_id, name in new.sources:
        key = copy_field(external_id)
        sources.append(f"{ids}{connector}\t{key}\t{copy_field(name)}\t{stamp}\t{stamp}")
        source_changes.append(
            f"{CREATE}\t{SOURCE}\t{HOLE}\t{key} → {HOLE}\t{NULL}\t" + copy_field(
                f'{{"id":{HOLE},"account":{HOLE},"connector":{connector},'
                f'"external_id":{encode_basestring_ascii(external_id)},'
                f'"name":{encode_basestring_ascii(name)},'
                f'"created":{moment},"modified":{moment}}}'))
    users, user_changes = [], []
    for connector, external_id in new.users:
        key = copy_field(external_id)
        users.append(f"{ids}{connector}\t{key}\t{NULL}\t{NULL}\t{stamp}")
        user_changes.append(
            f"{CREATE}\t{USER}\t{HOLE}\t{key} @ {HOLE}\t{NULL}\t" + copy_field(
                f'{{"id":{HOLE},"account":{HOLE},"connector":{connector},'
                f'"external_id":{encode_basestring_ascii(external_id)},'
                f'"identity":null,"authorisation":null,"created":{moment}}}'))
    common = "null" if new.common_id is None else encode_basestring_ascii(new.common_id)
    account_repr = f"{new.name} ({new.common_id})" if new.common_id else new.name
    return (copy_fields((HOLE, new.common_id, new.name, stamp, stamp)),
            change_copy_fields(CREATE, ACCOUNT, HOLE, account_repr, after_encoded=(
                f'{{"id":{HOLE},"common_id":{common},"name":{encode_basestring_ascii(new.name)},'
                f'"created":{moment},"modified":{moment}}}')),
            "\n".join(sources), "\n".join(source_changes), "\n".join(users),
            "\n".join(user_changes), (len(sources), len(users)))


def accounts_create(prepared: NewAccounts, lines: Sequence[int]) -> None:
    """The prepared new accounts of `lines` (a subset of the batch, in order), with their
    sources and bindings and every row's change record."""
    if not lines:
        return
    (accounts, account_changes, sources, source_changes, users, user_changes,
     counts) = picked(prepared.lines, lines, prepared.accounts, prepared.account_changes,
                      prepared.sources, prepared.source_changes, prepared.users,
                      prepared.user_changes, prepared.counts)
    account_ids = _ids(Account, len(lines))
    source_ids = _ids(AccountSource, sum(n for n, _ in counts))
    user_ids = _ids(AccountUser, sum(n for _, n in counts))
    of_sources = repeated(account_ids, [n for n, _ in counts])
    of_users = repeated(account_ids, [n for _, n in counts])
    copy_text(Account._meta.db_table, ACCOUNT_COLUMNS,
              filled(_text(accounts), account_ids) + "\n")
    copy_text(AccountSource._meta.db_table, SOURCE_COLUMNS,
              _rows(sources, interleaved(source_ids, of_sources)))
    copy_text(AccountUser._meta.db_table, USER_COLUMNS,
              _rows(users, interleaved(user_ids, of_users)))
    changes = filled(_text(account_changes), interleaved(account_ids, account_ids)).split("\n")
    for texts, keys in ((source_changes, (source_ids, of_sources)),
                        (user_changes, (user_ids, of_users))):
        text = _text(texts)
        if text:
            changes += filled(text, interleaved(*keys, *keys)).split("\n")
    record_bulk((), copy=True, prepared=changes)


def _ids(model, count: int) -> list[str]:
    return list(map(str, reserve_block(model._meta.db_table, count)))


def _text(blocks: Sequence[str]) -> str:
    """Lines' blocks of text as one (lines without any left out)."""
    return "\n".join(block for block in blocks if block)


def _rows(blocks: Sequence[str], keys: list[str]) -> str:
    text = _text(blocks)
    return filled(text, keys) + "\n" if text else ""
