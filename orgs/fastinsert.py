"""Raw bulk inserts for the import commands: COPY on PostgreSQL, executemany on SQLite.

Django's bulk_create spends most of its time compiling values field by field; an import of
200,000 users builds its rows as plain tuples instead and loads them the way the database
loads fastest. Only for rows whose every value the caller has already validated.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from audit.copytext import copy_fields


def insert_rows(table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        copy_text(table, columns, "".join([f"{copy_fields(row)}\n" for row in rows]))
        return
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    name = connection.ops.quote_name(table)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {name} ({quoted}) VALUES ({marks})",
                           _sqlite_rows(rows))


def copy_text(table: str, columns: Sequence[str], data: str) -> None:
    """COPY rows already in text format (`audit.copytext`), on PostgreSQL."""
    if not data:
        return
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    ) as copy:
        copy.write(data)


_PLAIN = frozenset({str, int, float, bool, bytes, type(None)})
_UUIDS = frozenset({uuid.UUID, type(None)})


def _sqlite_rows(rows: list[tuple]) -> list[tuple]:
    """The rows with UUIDs and datetimes stored as Django stores them on SQLite, converted
    column by column (a column of plain values is passed through untouched)."""
    columns = list(zip(*rows, strict=True))
    for i, column in enumerate(columns):
        kinds = set(map(type, column))
        if kinds <= _PLAIN:
            continue
        if kinds <= _UUIDS:
            columns[i] = [None if v is None else v.hex for v in column]
            continue
        adapted: dict = {}  # a batch shares its timestamps: adapt each distinct value once
        try:
            columns[i] = [adapted[v] if v in adapted else adapted.setdefault(v, _sqlite(v))
                          for v in column]
        except TypeError:  # an unhashable value
            columns[i] = [_sqlite(v) for v in column]
    return list(zip(*columns, strict=True))


def db_now() -> str:
    """The current time as text the database stores for a datetime column (adapted once for
    a batch of raw rows, not row by row)."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        return now.isoformat()
    return connection.ops.adapt_datetimefield_value(now)


_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


def json_value(value) -> str:
    if value == {}:
        return "{}"  # most rows: no custom attributes
    return _ENCODE(value)


def _sqlite(value):
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def one_of(field: str, values) -> Q:
    """`field IN values` for a batch lookup of text values. The values travel as ONE JSON
    parameter (`IN (SELECT json_array_elements_text(%s::json))` on PostgreSQL, `json_each`
    on SQLite): Django compiles (and psycopg splits) a 2,000-placeholder IN list, and psycopg
    dumps a text[] element by element, at a cost per value that dominates the lookup; the
    json module encodes the list in C."""
    values = [str(v) for v in values]
    text = json.dumps(values)
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__in": RawSQL("SELECT json_array_elements_text(%s::json)",
                                           (text,))})
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__in": RawSQL("SELECT value FROM json_each(%s)", (text,))})
    return Q(**{f"{field}__in": values})
