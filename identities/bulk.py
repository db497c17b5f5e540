"""Bulk services of identities: many people's identity rows written at once.

Other contexts keep profiles of people (CustomerID users, `orgs`); their imports create and
change the identity rows through these functions and never write this app's table
themselves. The profile's change record holds the identity's fields, so these write none of
their own (as `identities.services.person_save` for one row).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models

from audit.copytext import copy_fields
from core.bulk.delete import cascade_delete
from core.bulk.write import copy_text, insert_rows
from identities.models import Identity

# a new person's identity row: what its source row gives, then when it joined
PERSON_COLUMNS = ("id", "password", "is_superuser", "username", "first_name", "last_name",
                  "email", "is_staff", "is_active", "kind", "date_joined")
# what a profile may change of a person (the import's updates)
PERSON_FIELDS = ("username", "email", "first_name", "last_name", "password", "is_active")


def person_values(*, pk: str, password: str, username: str, first_name: str, last_name: str,
                  email: str, is_active: bool) -> tuple:
    """A new person's identity row as a raw row holds it (PERSON_COLUMNS but date_joined):
    what `person_create` would store, no staff or superuser rights."""
    return (pk, password, False, username, first_name, last_name, email, False, is_active,
            Identity.Kind.PERSON.value)


def persons_copy_text(rows: Sequence[tuple]) -> list[str]:
    """`person_values` rows as COPY text lines (PostgreSQL), ended by `persons_insert_text`
    with when they joined. Pure: an import's reading process prepares them."""
    return [copy_fields(row) for row in rows]


def persons_insert(rows: Sequence[tuple], *, joined) -> None:
    """New identity rows (`person_values`; `joined` as the database stores a time)."""
    insert_rows(Identity._meta.db_table, PERSON_COLUMNS, [(*row, joined) for row in rows])


def persons_insert_text(lines: Sequence[str], *, joined: str) -> None:
    """New identity rows from `persons_copy_text` lines (PostgreSQL)."""
    if lines:
        end = f"\t{joined}\n"
        copy_text(Identity._meta.db_table, PERSON_COLUMNS, end.join(lines) + end)


def persons_update(identities: Sequence[Identity], batch_size: int = 2000) -> None:
    """Save what profiles changed of many people (PERSON_FIELDS), in bulk."""
    Identity.objects.bulk_update(identities, PERSON_FIELDS, batch_size=batch_size)


def identities_delete(ids: models.QuerySet, *,
                      keep: frozenset[type[models.Model]] = frozenset()) -> None:
    """Delete the identities whose pk is in `ids` (a values("…") subquery) with whatever
    references them, in a number of statements the schema fixes. The referring models in
    `keep` are left to the caller, which deletes them itself afterwards (its subquery may
    read them)."""
    cascade_delete(Identity, ids, skip=keep)
