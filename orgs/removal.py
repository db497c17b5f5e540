"""Hard deletes of whole sets of rows in a fixed number of queries, with their tombstones.

CustomerID's Remove is final, but the audit trail still shows what was removed: before any row
goes, `tombstones()` copies its state into the change log with one `INSERT … SELECT` per kind of
entity, and `cascade_delete()` removes rows with `DELETE … WHERE pk IN (subquery)` statements —
one per table reachable by CASCADE, however many rows there are. Django's own collector would
load every row and delete in chunks of 100, which grows with the subtree.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection, models
from django.db.models import Case, F, Func, Value, When
from django.db.models.functions import Cast, Concat, JSONObject
from django.utils import timezone

from audit import context as scope
from audit.models import ChangeRecord
from audit.services import MASK, SECRET_FIELDS, _actor_fields, current_or_implicit_context


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


def tombstones(
    qs: models.QuerySet,
    *,
    object_type: str,
    object_id,
    object_repr,
    state: Mapping,
) -> None:
    """One change record (action delete, `before` = the row's state) per row of `qs`,
    written by a single INSERT … SELECT under the current audit context and actor."""
    context = current_or_implicit_context()
    actor = _actor_fields()
    actor_id = actor["actor"].pk if actor["actor"] else None
    columns = {
        "context_id": Value(context.pk, output_field=models.BigIntegerField()),
        "actor_id": Cast(Value(actor_id, output_field=models.UUIDField()), models.UUIDField()),
        "actor_repr": Value(actor["actor_repr"], output_field=models.CharField()),
        "client_id": Value(actor["client_id"], output_field=models.CharField()),
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


def _reverse_relations(model: type[models.Model]):
    return [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one)
    ]


def cascade_delete(
    model: type[models.Model],
    pks: models.QuerySet,
    *,
    skip: frozenset[type[models.Model]] = frozenset(),
    _seen: frozenset[type[models.Model]] = frozenset(),
) -> None:
    """Delete the rows of `model` whose pk is in `pks` (a values("…") subquery) and, first,
    whatever references them: CASCADE recursively, SET_NULL by UPDATE, DO_NOTHING left alone,
    PROTECT refused. The number of statements depends on the schema, never on the rows.
    Models in `skip` are left to the caller (it deletes them itself, later)."""
    for rel in _reverse_relations(model):
        related = rel.related_model
        if related in skip:
            continue
        on_delete = rel.on_delete
        if on_delete is models.DO_NOTHING:
            continue
        lookup = {f"{rel.field.attname}__in": pks}
        children = related._base_manager.filter(**lookup)
        if on_delete is models.CASCADE:
            if related in _seen or related is model:
                children._raw_delete(children.db)
            else:
                cascade_delete(
                    related, children.values("pk"), skip=skip, _seen=_seen | {model}
                )
        elif on_delete is models.SET_NULL:
            children.update(**{rel.field.name: None})
        elif children.exists():
            raise models.ProtectedError(
                f"{related._meta.label} rows still reference {model._meta.label}", set()
            )
    rows = model._base_manager.filter(pk__in=pks)
    rows._raw_delete(rows.db)
