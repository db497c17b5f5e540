"""Bulk services of the organization tree: many organizations or users written at once.

What the import commands write, with the rules and the change records of `orgs.services` (an
imported row leaves the record the same write through the API leaves), in a number of
statements per batch that does not grow with the batch. Users' identity rows go through
identities' bulk services; the profiles, this app's own table, are written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter
from typing import NamedTuple

from django.db import connection

from audit.copytext import copy_field, copy_fields
from audit.models import ChangeRecord
from audit.services import Change, change_copy_fields, record_bulk
from audit.states import encoded_snapshot, json_time, snapshot
from foundation.bulk.run import picked
from foundation.bulk.write import (
    copy_text,
    db_time,
    insert_rows,
    json_value,
    reserve_ids,
    uuid_value,
)
from identities.services import bulk as identities_bulk
from orgs.models import Organization, OrgUser
from orgs.services.organizations import type_roles_ensure
from orgs.services.users import user_state, user_state_tail_json

CREATE, UPDATE = ChangeRecord.Action.CREATE.value, ChangeRecord.Action.UPDATE.value
ORGUSER = "orgs.orguser"
ORGANIZATION = "orgs.organization"


# --- organizations -------------------------------------------------------------------------------

_ORGANIZATION_FIELDS = [f for f in Organization._meta.concrete_fields if f.name != "attributes"]
ORGANIZATION_COLUMNS = (*(f.column for f in _ORGANIZATION_FIELDS), "attributes")
_ORGANIZATION_VALUES = attrgetter(*(f.attname for f in _ORGANIZATION_FIELDS))


def organizations_create(levels: list[list[Organization]], now: datetime) -> None:
    """New organizations (each level's parents in it or an earlier one), then their change
    records and their type roles. Their ids are reserved first, so one raw insert (COPY on
    PostgreSQL) writes them all, every level (the foreign keys are checked at COMMIT);
    where ids cannot be reserved, a bulk insert a level at a time reads them back."""
    orgs = [org for level in levels for org in level]
    ids = reserve_ids(Organization._meta.db_table, len(orgs))
    if ids is None:
        for level in levels:
            Organization.objects.bulk_create(level)
    else:
        for org, pk in zip(orgs, ids, strict=True):
            org.pk = pk
            org.parent_id = org.parent.pk if org.parent is not None else None
            org.created_at = org.modified_at = now
            org._state.adding, org._state.db = False, connection.alias  # saved, as bulk_create
        insert_rows(Organization._meta.db_table, ORGANIZATION_COLUMNS,
                    [(*_ORGANIZATION_VALUES(org), json_value(org.attributes)) for org in orgs])
    record_bulk((Change(action=CREATE, object_type=ORGANIZATION, object_id=str(org.pk),
                        object_repr=org.path, after_encoded=encoded_snapshot(org))
                 for org in orgs), copy=True)
    type_roles_ensure(orgs)


def organizations_update(changed: list[tuple[dict, Organization]], now: datetime) -> None:
    """Organizations changed in memory, each with its state before (`snapshot`); a new type
    adds the roles it defines."""
    if not changed:
        return
    orgs = [org for _, org in changed]
    for org in orgs:
        org.modified_at = now
    Organization.objects.bulk_update(orgs, ["friendly_name", "org_type", "attributes",
                                            "modified_at"])
    record_bulk((Change(action=UPDATE, object_type=ORGANIZATION, object_id=str(org.pk),
                        object_repr=org.path, before=before, after=snapshot(org))
                 for before, org in changed), copy=True)
    type_roles_ensure(orgs)


# --- users ---------------------------------------------------------------------------------------

# a new user's profile row: what its source row gives, then its times and organization
PROFILE_COLUMNS = ("identity_id", "name", "locale", "hetu", "pwd_activated", "status",
                   "attributes", "created_at", "modified_at", "organization_id")


class NewUser(NamedTuple):
    """What a new user's rows and change record hold, prepared from its source row alone:
    the identity and profile values (but times and organization), the state's head encoded
    and left open (`user_state_tail_json` ends it), the line of its source row."""

    line: int
    pk: str
    person: tuple  # identities.services.bulk.person_values
    password: str | None  # its hash; None: a password in clear, hashed by the importer
    profile: tuple  # PROFILE_COLUMNS up to the times
    repr: str
    state_open: str  # the encoded `user_state_head` without its last "}"


class NewUsersCopy(NamedTuple):
    """A batch's new users as COPY text (PostgreSQL), prepared in the import's reading
    process: line i of each text is the batch's user i. A few strings a batch, not a few a
    user: unpickling them is a copy, and the importing process joins them with what it adds
    without a loop."""

    lines: tuple[int, ...]  # the file lines of the batch's users, in order
    persons: str
    passwords: str  # each a COPY field; an empty line: hashed by the importer
    profiles: str
    changes: str  # the change records' own columns, their state left open

    def rows_of(self, lines: Sequence[int]) -> tuple[list[str], ...]:
        """The person, password, profile and change texts of the users on `lines` (a subset
        of the batch, in order)."""
        return picked(self.lines, lines, self.persons.split("\n"),
                      self.passwords.split("\n"), self.profiles.split("\n"),
                      self.changes.split("\n"))


class NewUsersList(tuple):
    """A batch's new users as values (elsewhere than PostgreSQL): each a `NewUser`'s fields
    as a plain tuple (a NamedTuple costs twice as much to unpickle, 200,000 times)."""

    @classmethod
    def of_users(cls, users: Sequence[NewUser]) -> NewUsersList:
        return cls(map(tuple, users))

    def of(self, lines: Sequence[int]) -> list[tuple]:
        return picked([user[0] for user in self], lines, self)[0]


NewUsers = NewUsersCopy | NewUsersList


def users_copy_text(new: Sequence[NewUser]) -> NewUsersCopy:
    """New users as COPY text: pure, for an import's reading process (PostgreSQL)."""
    persons = identities_bulk.persons_copy_text([user.person for user in new])
    return NewUsersCopy(
        tuple(user.line for user in new), "\n".join(persons),
        "\n".join("" if user.password is None else copy_field(user.password)
                  for user in new),
        "\n".join(copy_fields(user.profile) for user in new),
        "\n".join(change_copy_fields(CREATE, ORGUSER, user.pk, user.repr,
                                     after_encoded=user.state_open) for user in new))


def users_create(new: list[tuple[int, int, str | None]], prepared: NewUsers,
                 now: datetime) -> None:
    """New users, given as (line, organization id, password hash) of the batch's prepared
    users (the hash: of a password given in clear, else None and the prepared one is
    used): their identities, profiles and change records, from the COPY text prepared with
    them on PostgreSQL, else from their values."""
    if not new:
        return
    stamp, created = db_time(now), json_time(now)
    lines = [line for line, _, _ in new]
    passwords = [hashed for _, _, hashed in new]
    ends = [user_state_tail_json(org_id, created) for _, org_id, _ in new]
    if isinstance(prepared, NewUsersCopy):
        persons, prepared_passwords, profiles, changes = prepared.rows_of(lines)
        identities_bulk.persons_insert_text(
            persons, _passwords(prepared_passwords, passwords, copy_field), joined=stamp)
        copy_text(OrgUser._meta.db_table, PROFILE_COLUMNS, "".join([
            f"{profile}\t{stamp}\t{stamp}\t{org_id}\n"
            for profile, (_, org_id, _) in zip(profiles, new, strict=True)]))
        record_bulk((), copy=True, prepared=[change + end for change, end in
                                             zip(changes, ends, strict=True)])
        return
    users = prepared.of(lines)  # NewUser's fields: line, pk, person, password, profile, …
    native = connection.features.has_native_uuid_field
    keys = [uuid_value(user[1], native=native) for user in users]
    identities_bulk.persons_insert(
        [(key, *user[2][1:]) for key, user in zip(keys, users, strict=True)],
        _passwords([user[3] for user in users], passwords, lambda hashed: hashed),
        joined=stamp)
    insert_rows(OrgUser._meta.db_table, PROFILE_COLUMNS, [
        (key, *user[4][1:], stamp, stamp, org_id)
        for key, user, (_, org_id, _) in zip(keys, users, new, strict=True)])
    record_bulk((Change(action=CREATE, object_type=ORGUSER, object_id=pk, object_repr=name,
                        after_encoded=state + end)
                 for (_, pk, _, _, _, name, state), end in zip(users, ends, strict=True)),
                copy=True)


def _passwords(prepared: Sequence[str | None], hashed: Sequence[str | None],
               encode) -> list:
    """Each new user's password: the hash made of a password in clear, else the prepared
    one (a hash given, an unusable one); a user with neither is a bug of the importer."""
    result = []
    for ready, made in zip(prepared, hashed, strict=True):
        if made is not None:
            result.append(encode(made))
        elif ready:  # None or "" (COPY text): the importer was to hash it
            result.append(ready)
        else:
            raise ValueError("a new user's password in clear was not hashed")
    return result


def users_update(changed: list[tuple[dict, OrgUser]], now: datetime) -> None:
    """Users changed in memory (profile and identity), each with its `user_state` before."""
    if not changed:
        return
    users = [user for _, user in changed]
    for user in users:
        user.modified_at = now
    identities_bulk.persons_update([user.identity for user in users])
    OrgUser.objects.bulk_update(users, ["locale", "hetu", "pwd_activated", "status",
                                        "attributes", "modified_at"])
    record_bulk((Change(action=UPDATE, object_type=ORGUSER, object_id=str(user.pk),
                        object_repr=str(user), before=before, after=user_state(user))
                 for before, user in changed), copy=True)
