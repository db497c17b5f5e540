"""Raw bulk writes and lookups for imports: COPY on PostgreSQL, executemany on SQLite.

Django's bulk_create spends most of its time compiling values field by field; an import of
200,000 rows builds them as plain tuples (or COPY text, `audit.copytext`) instead and loads
them the way the database loads fastest. Only for rows whose every value the caller has
validated, into the caller's own tables (an app's bulk services own their tables' columns).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from audit.copytext import copy_values

# the tables the bulk writes below wrote into, while `tables_written` gathers them
_written: ContextVar[set[str] | None] = ContextVar("bulk_tables_written", default=None)


@contextmanager
def tables_written() -> Iterator[set[str]]:
    """The names of the tables the bulk writes of the block write into (run_import analyses
    them after a large import)."""
    tables: set[str] = set()
    token = _written.set(tables)
    try:
        yield tables
    finally:
        _written.reset(token)


def _wrote(table: str) -> None:
    tables = _written.get()
    if tables is not None:
        tables.add(table)


def insert_rows(table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Rows of values (UUIDs, aware datetimes, JSON as text) into `table`: on PostgreSQL one
    COPY, each row formatted by psycopg's (compiled) COPY writer."""
    if not rows:
        return
    _wrote(table)
    if connection.vendor == "postgresql":
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    name = connection.ops.quote_name(table)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {name} ({quoted}) VALUES ({marks})",
                           _sqlite_rows(rows))


def update_rows(table: str, key: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Set `columns` of many rows, each tuple their new values then the row's `key`: one
    executemany (psycopg pipelines it on PostgreSQL), whatever the number of rows, where
    Django's bulk_update splits a batch by the number of parameters a statement may hold."""
    if not rows:
        return
    _wrote(table)
    ops = connection.ops
    sets = ", ".join(f"{ops.quote_name(c)} = %s" for c in columns)
    sql = f"UPDATE {ops.quote_name(table)} SET {sets} WHERE {ops.quote_name(key)} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows if connection.vendor == "postgresql"
                           else _sqlite_rows(rows))


def reserve_ids(table: str, count: int, column: str = "id") -> list[int] | None:
    """`count` new ids of the table's auto-incremented key (one query), for rows inserted
    raw with them: PostgreSQL's sequence; SQLite's AUTOINCREMENT counter, which the insert
    then moves past them (SQLite has one writer: the import's transaction). None elsewhere
    (insert through the ORM, which reads the ids back)."""
    if not count:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                           "FROM generate_series(1, %s)", [table, column, count])
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            name = connection.ops.quote_name(table)
            cursor.execute(f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = "
                           f"%s), 0), coalesce((SELECT max({column}) FROM {name}), 0))",
                           [table])
            last = cursor.fetchone()[0]
            return list(range(last + 1, last + 1 + count))
    return None


def reserve_block(table: str, count: int, column: str = "id") -> range:
    """`count` consecutive new ids of the table's auto-incremented key, in one statement
    whatever the count (`reserve_ids` takes them from the sequence one by one, a cost per
    row that outweighed a raw COPY of the rows). Only for a caller holding a lock that
    every insert into the table takes: a concurrent insert could otherwise be given one of
    them (and fail on the duplicate key)."""
    if not count:
        return range(0)
    if connection.vendor != "postgresql":
        ids = reserve_ids(table, count, column)
        return range(ids[0], ids[0] + count)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, %s), "
                       "nextval(pg_get_serial_sequence(%s, %s)) + %s - 1)",
                       [table, column, table, column, count])
        last = cursor.fetchone()[0]
    return range(last - count + 1, last + 1)


def copy_text(table: str, columns: Sequence[str], data: str) -> None:
    """Load rows already in COPY text format (`audit.copytext`, a newline after each): a
    COPY on PostgreSQL; elsewhere (SQLite) the values read back and inserted with one
    executemany (text the database converts by its columns' types: write times as
    `db_time` gives them)."""
    if not data:
        return
    _wrote(table)
    if connection.vendor != "postgresql":
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})",
                [copy_values(line) for line in data.split("\n") if line])
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


def _sqlite(value):
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def db_time(moment: datetime | None = None) -> str:
    """A time as the text the database stores for a datetime column (adapted once for a
    batch of raw rows, not row by row)."""
    moment = moment or timezone.now()
    if connection.vendor == "postgresql":
        return moment.isoformat()
    return connection.ops.adapt_datetimefield_value(moment)


def uuid_value(value: str, *, native: bool | None = None) -> str:
    """A UUID (hyphenated text) as a raw row of this database stores it (`native`: whether
    the database has a UUID type, when the caller asked once for many values)."""
    if native is None:
        native = connection.features.has_native_uuid_field
    return value if native else value.replace("-", "")


_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


def json_value(value) -> str:
    """A JSON column's value as text."""
    if value == {}:
        return "{}"  # most rows: no custom attributes
    return _ENCODE(value)


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
