"""Bulk services of identities: many people's identity rows written at once.

Other contexts keep profiles of people (CustomerID users, `orgs`); their imports create and
change the identity rows through these functions and never write this app's table
themselves. The profile's change record holds the identity's fields, so these write none of
their own (as `identities.services.people.person_save` for one row).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models

from audit.copytext import copy_fields
from foundation.bulk.delete import cascade_delete
from foundation.bulk.write import copy_text, insert_rows, reserve_ids
from identities.models import Identity, Member
from identities.services.hooks import identities_deleting

# a new person's identity row: what its source row gives, then its password (hashed where the
# import knows whether the person is new, see orgs.user_import) and when it joined
PERSON_COLUMNS = ("id", "is_superuser", "username", "first_name", "last_name", "email",
                  "mobile", "is_staff", "is_active", "kind", "password", "date_joined")
# what a profile may change of a person (the import's updates): the attributes both surfaces
# carry (docs/identities.md, "One person, one truth") and the password
PERSON_FIELDS = ("username", "email", "first_name", "last_name", "mobile", "password",
                 "is_active")


def person_values(*, pk: str, username: str, first_name: str, last_name: str, email: str,
                  mobile: str, is_active: bool) -> tuple:
    """A new person's identity row as a raw row holds it (PERSON_COLUMNS but password and
    date_joined): what `person_create` would store, no staff or superuser rights."""
    return (pk, False, username, first_name, last_name, email, mobile, False, is_active,
            Identity.Kind.PERSON.value)


def persons_copy_text(rows: Sequence[tuple]) -> list[str]:
    """`person_values` rows as COPY text lines (PostgreSQL), ended by `persons_insert_text`
    with their passwords and when they joined. Pure: an import's reading process prepares
    them."""
    return [copy_fields(row) for row in rows]


def persons_insert(rows: Sequence[tuple], passwords: Sequence[str], *, joined) -> None:
    """New identity rows (`person_values`, each with its password hash; `joined` as the
    database stores a time)."""
    insert_rows(Identity._meta.db_table, PERSON_COLUMNS,
                [(*row, password, joined) for row, password in zip(rows, passwords,
                                                                     strict=True)])


def persons_insert_text(lines: Sequence[str], passwords: Sequence[str], *, joined: str) -> None:
    """New identity rows from `persons_copy_text` lines and their passwords as COPY text
    fields (`copy_field`) (PostgreSQL)."""
    if lines:
        copy_text(Identity._meta.db_table, PERSON_COLUMNS, "".join([
            f"{line}\t{password}\t{joined}\n"
            for line, password in zip(lines, passwords, strict=True)]))


def persons_update(identities: Sequence[Identity], batch_size: int = 2000) -> None:
    """Save what profiles changed of many people (PERSON_FIELDS), in bulk."""
    Identity.objects.bulk_update(identities, PERSON_FIELDS, batch_size=batch_size)


def identities_delete(ids: models.QuerySet, *,
                      keep: frozenset[type[models.Model]] = frozenset()) -> None:
    """Delete the identities whose pk is in `ids` (a values("…") subquery) with whatever
    references them (the higher contexts' hooks first, `identities.services.hooks`), in a number of
    statements the schema fixes. The referring models in
    `keep` are left to the caller, which deletes them itself afterwards (its subquery may
    read them)."""
    identities_deleting(ids)
    cascade_delete(Identity, ids, skip=keep)


# --- the DFS identities' import (identities.importer) --------------------------------------

def _columns(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields]


def identity_values(identity: Identity) -> tuple:
    """A new identity's raw row (every column, as `identities_insert` takes it). Pure: an
    import's reading process makes them."""
    return tuple(getattr(identity, f.attname) for f in _columns(Identity))


def identities_insert(rows: Sequence[tuple]) -> None:
    """New identity rows (`identity_values`): one COPY on PostgreSQL."""
    insert_rows(Identity._meta.db_table, [f.column for f in _columns(Identity)], list(rows))


def identities_update(identities: Sequence[Identity], batch_size: int = 2000) -> None:
    """Save what an import changed of many identities (every column but the key)."""
    if identities:
        Identity.objects.bulk_update(
            identities, [f.name for f in _columns(Identity) if not f.primary_key],
            batch_size=batch_size)


def members_insert(members: Sequence[Member]) -> None:
    """New member rows; their ids are taken from the table's sequence first (set on the
    instances, for their change records)."""
    if not members:
        return
    for member, pk in zip(members, reserve_ids(Member._meta.db_table, len(members)),
                          strict=True):
        member.pk = pk
    fields = _columns(Member)
    insert_rows(Member._meta.db_table, [f.column for f in fields],
                [tuple(getattr(m, f.attname) for f in fields) for m in members])


def members_update(members: Sequence[Member], batch_size: int = 2000) -> None:
    if members:
        Member.objects.bulk_update(members, ["identity_role", "is_enabled"],
                                   batch_size=batch_size)
