"""Database locks that hold a rule across concurrent transactions (PostgreSQL, READ COMMITTED).

A rule that reads before it writes ("no cycle", "the type is live") is only as good as what the
read can see: a concurrent transaction's uncommitted rows are invisible to it. These locks make
the read wait for the writers it must see, until the end of the transaction that takes them.
SQLite serialises writers by itself: there they lock nothing (the reads still run).
"""

from __future__ import annotations

import hashlib

from django.db import connection
from django.db.models import QuerySet


def _key(name: str) -> int:
    """A name as a signed 64-bit advisory-lock key (stable across processes and releases)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big",
                          signed=True)


def exclusive(name: str) -> None:
    """Hold the lock `name` until the current transaction ends: one transaction at a time
    holds it, the others wait (`pg_advisory_xact_lock`). Take it before any row lock."""
    if not connection.in_atomic_block:
        raise RuntimeError("exclusive() needs a transaction (transaction.atomic)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_key(name)])


def exclusive_many(names: list[str]) -> None:
    """`exclusive` for several names at once, taken in one order (no two takers deadlock)."""
    if not connection.in_atomic_block:
        raise RuntimeError("exclusive_many() needs a transaction (transaction.atomic)")
    if connection.vendor == "postgresql" and names:
        with connection.cursor() as cursor:
            # unnest yields the sorted keys in order: the locks are taken in that order
            cursor.execute("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) k",
                           [sorted({_key(name) for name in names})])


def try_exclusive(name: str) -> bool:
    """Take the lock `name` for the current transaction if no one holds it; False (and no
    wait) when another transaction does. SQLite: True (its writers take turns anyway)."""
    if not connection.in_atomic_block:
        raise RuntimeError("try_exclusive() needs a transaction (transaction.atomic)")
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_key(name)])
        return bool(cursor.fetchone()[0])


def key_shared(queryset: QuerySet) -> set:
    """The primary keys of `queryset`'s rows, each locked `FOR KEY SHARE` until the transaction
    ends: the lock a foreign key takes on the row it references. Many transactions share it;
    a `SELECT … FOR UPDATE` (`select_for_update()`) waits for all of them, and they wait for
    it. A row changed by the transaction they waited for is read again when it ends (so a
    filter such as "not deleted" is checked against the committed row). In pk order, so that
    two callers never wait for each other in turn. (Django's `select_for_update` has no
    shared modes, hence the clause added to the ORM's own statement.)"""
    if not connection.in_atomic_block:
        raise RuntimeError("key_shared() needs a transaction (transaction.atomic)")
    meta = queryset.model._meta
    sql, params = queryset.order_by("pk").values_list("pk").query.sql_with_params()
    if connection.vendor == "postgresql":
        sql += f" FOR KEY SHARE OF {connection.ops.quote_name(meta.db_table)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {meta.pk.to_python(row[0]) for row in cursor.fetchall()}
