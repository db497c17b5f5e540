"""Tombstones for many rows at once: one `INSERT … SELECT` into the change log per kind of row.

For hard deletes of whole sets (a CustomerID recursive Remove): before the rows go, each row's
state is copied into `audit_changerecord` by the database itself, so the number of statements
does not grow with the number of rows. Secret fields are masked as `record()` masks them.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection, models
from django.db.models import Case, F, Func, Value, When
from django.db.models.functions import Cast, Concat, JSONObject
from django.utils import timezone

from audit import context as scope
from audit.models import ChangeRecord
from audit.services import actor_fields, current_or_implicit_context
from audit.states import MASK, SECRET_FIELDS


class _JSON(Func):
    """A JSON column embedded as JSON (not as a string) inside JSON_OBJECT on SQLite."""

    function = "JSON"
    output_field = models.TextField()


def json_column(name: str):
    return _JSON(F(name)) if connection.vendor == "sqlite" else F(name)


def uuid_text(name: str):
    """A UUID column as its hyphenated text (SQLite stores 32 hex digits)."""
    if connection.vendor != "sqlite":
        return Cast(name, models.CharField())
    parts = [(1, 8), (9, 4), (13, 4), (17, 4), (21, 12)]
    pieces: list = []
    for start, length in parts:
        if pieces:
            pieces.append(Value("-"))
        pieces.append(Func(F(name), Value(start), Value(length), function="SUBSTR",
                               output_field=models.CharField()))
    return Concat(*pieces, output_field=models.CharField())


def masked(name: str):
    return Case(When(**{name: ""}, then=Value("")), default=Value(MASK))


def state_of(model: type[models.Model], **extra) -> dict:
    """JSON_OBJECT arguments for a row's concrete fields (secret fields masked) plus `extra`."""
    state: dict = {}
    for field in model._meta.concrete_fields:
        if field.name in SECRET_FIELDS:
            state[field.name] = masked(field.attname)
        elif isinstance(field, models.JSONField):
            state[field.name] = json_column(field.attname)
        elif isinstance(field, models.UUIDField) or (
            field.is_relation and isinstance(field.target_field, models.UUIDField)
        ):
            state[field.name] = uuid_text(field.attname)
        elif isinstance(field, models.DateTimeField):
            state[field.name] = Cast(field.attname, models.CharField())
        else:
            state[field.name] = F(field.attname)
    state.update(extra)
    return state


def pk_text(model: type[models.Model], column: str | None = None):
    """The primary key as the text `record()` stores in `object_id` (of `column`, a foreign
    key to `model`, when given)."""
    pk = model._meta.pk
    name = column or pk.attname
    if isinstance(pk, models.UUIDField):
        return uuid_text(name)
    return Cast(name, models.CharField())


def tombstones(
    qs: models.QuerySet,
    *,
    object_repr,
    object_type: str | None = None,
    object_id=None,
    state: Mapping | None = None,
) -> None:
    """One change record (action delete, `before` = the row's state) per row of `qs`,
    written by a single INSERT … SELECT under the current audit context and actor.

    `object_type`, `object_id` and `state` default to the queryset model's label, primary key
    and concrete fields, as `record()` would write them."""
    model = qs.model
    object_type = object_type or model._meta.label_lower
    object_id = object_id if object_id is not None else pk_text(model)
    state = state if state is not None else state_of(model)
    context = current_or_implicit_context()
    actor = actor_fields()
    actor_id = actor["actor"].pk if actor["actor"] else None
    columns = {
        "context_id": Value(context.pk, output_field=models.BigIntegerField()),
        "actor_id": Cast(Value(actor_id, output_field=models.UUIDField()), models.UUIDField()),
        "actor_repr": Value(actor["actor_repr"], output_field=models.CharField()),
        "client_id": Value(actor["client_id"], output_field=models.CharField()),
        "origin": Value(actor["origin"], output_field=models.CharField()),
        "action": Value(ChangeRecord.Action.DELETE.value, output_field=models.CharField()),
        "object_type": Value(object_type, output_field=models.CharField()),
        "object_id": Cast(object_id, models.CharField()),
        "object_repr": Func(
            Cast(object_repr, models.CharField()), Value(1), Value(255), function="SUBSTR",
            output_field=models.CharField(),
        ),
        "before": JSONObject(**state),
        "correlation_id": Value(scope.correlation_id(), output_field=models.CharField()),
        "created_at": Value(timezone.now(), output_field=models.DateTimeField()),
    }
    aliases = {f"_tomb_{name}": expr for name, expr in columns.items()}
    select = qs.order_by().annotate(**aliases).values_list(*aliases)
    sql, params = select.query.sql_with_params()
    table = connection.ops.quote_name(ChangeRecord._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}", params)
