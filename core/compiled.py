"""A query compiled to SQL once per process and database, then run with new values.

Compiling a queryset with nested subqueries costs Django a millisecond or more, several times
what running it costs; on a hot path (the access check answers in a few milliseconds) that is
most of a request. `Compiled` builds the queryset once with marker values, compiles it,
remembers where the markers sit among the statement's parameters, and from then on only
substitutes the caller's values and runs the statement. The rule stays written once, as the
queryset that `build` returns; nothing about it is repeated by hand.

A marker must be a value the query cannot otherwise hold (an unlikely integer, a made-up
UUID, a string no one would write) and one its field accepts: Django drops a comparison with
an integer out of the field's range from the SQL. Compiling fails when a marker does not
appear among the parameters. The values passed at run time must be of the marker's type (a
UUID may also come as its text).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, models, router
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Statement:
    sql: str
    # per parameter: the marker it takes the value of (with how the backend spells it), or
    # None to keep the compiled constant
    slots: tuple[tuple[str, Callable[[Any], Any]] | None, ...]
    constants: tuple[Any, ...]
    compiler: SQLCompiler  # converts the rows as the queryset would (SQLite's booleans, dates)
    converters: dict


def _slot(param: Any, markers: dict[str, Any]) -> tuple[str, Callable[[Any], Any]] | None:
    """The marker the compiled parameter is, with how to pass a value in its place: as the
    backend spelled the marker (SQLite passes a UUID as its hex; Django hands psycopg some
    integers typed, as Int4)."""
    for name, marker in markers.items():
        if isinstance(marker, uuid.UUID):
            if isinstance(param, uuid.UUID) and param == marker:
                return name, _as_uuid
            if isinstance(param, str) and param == marker.hex:
                return name, lambda value: _as_uuid(value).hex
        elif isinstance(param, type(marker)) and param == marker:
            kind = type(param)
            return name, (lambda value: value) if kind is type(marker) else kind
    return None


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def prepared_cursor(connection: Any) -> Any:
    """A cursor of `connection` whose statements PostgreSQL parses and plans once per
    connection (a server-side prepared statement), wrapped as Django wraps its own (query
    logging, execute wrappers, error translation). Other databases, or with
    DB_PREPARED_STATEMENTS off (behind a pooler that cannot keep them): a plain cursor.

    Django's own cursors bind parameters on the client and are never prepared; this one binds
    them on the server, for the statements `Compiled` runs: they are always the same text,
    and planning one costs more than running it."""
    if connection.vendor != "postgresql" or not getattr(settings, "DB_PREPARED_STATEMENTS",
                                                            False):
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = ServerBindingCursor(connection.connection)
    return (_LoggedPreparedCursor(raw, connection) if connection.queries_logged
            else connection.make_cursor(raw))


class _LoggedPreparedCursor(CursorDebugWrapper):
    """Logs a prepared statement as text: Django reads the text back from psycopg, which
    keeps none for a prepared execution (the log would say `None`)."""

    def execute(self, sql: str, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


class Compiled:
    """`build(**markers)` compiled once per database alias; `rows(**values)` runs it."""

    def __init__(self, model: type[models.Model], build: Callable[..., models.QuerySet],
                 **markers: Any) -> None:
        self.model, self.build, self.markers = model, build, markers
        self._statements: dict[str, _Statement] = {}

    def _compile(self, alias: str) -> _Statement:
        compiler = self.build(**self.markers).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        converters = compiler.get_converters(
            [column for column, _, _ in compiler.select[:compiler.col_count]])
        slots: list[tuple[str, Callable[[Any], Any]] | None] = []
        found: set[str] = set()
        for param in params:
            slot = _slot(param, self.markers)
            if slot is not None:
                found.add(slot[0])
            slots.append(slot)
        missing = set(self.markers) - found
        if missing:
            raise ValueError(f"markers not among the compiled parameters: {sorted(missing)}")
        return _Statement(sql, tuple(slots), tuple(params), compiler, converters)

    def _statement(self, alias: str) -> _Statement:
        compiled = self._statements.get(alias)
        if compiled is None:
            compiled = self._statements[alias] = self._compile(alias)
        return compiled

    def _bound(self, alias: str, values: dict[str, Any]) -> tuple[_Statement, list[Any]]:
        if set(values) != set(self.markers):
            raise TypeError(f"values for exactly {sorted(self.markers)} expected")
        compiled = self._statement(alias)
        params = [constant if slot is None else slot[1](values[slot[0]])
                  for slot, constant in zip(compiled.slots, compiled.constants, strict=True)]
        return compiled, params

    def statement(self, **values: Any) -> tuple[str, list[Any]]:
        """The SQL and its parameters for `values` (one per marker)."""
        compiled, params = self._bound(router.db_for_read(self.model), values)
        return compiled.sql, params

    def rows(self, **values: Any) -> list[tuple]:
        """The statement's rows for `values`, converted as the queryset converts them."""
        alias = router.db_for_read(self.model)
        compiled, params = self._bound(alias, values)
        with prepared_cursor(connections[alias]) as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [tuple(row) for row in compiled.compiler.apply_converters(
                rows, compiled.converters)]
        return rows

    def objects(self, **values: Any) -> list[models.Model]:
        """The statement's rows as instances of the model (the queryset selects its rows,
        every concrete field, nothing joined)."""
        alias = router.db_for_read(self.model)
        names = [field.attname for field in self.model._meta.concrete_fields]
        return [self.model.from_db(alias, names, row) for row in self.rows(**values)]
