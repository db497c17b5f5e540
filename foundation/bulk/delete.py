"""Hard deletes of whole sets of rows in a number of statements the schema fixes.

For removals of whole sets (a CustomerID recursive Remove): the caller first copies each row's
state into the change log (`audit.tombstones`, one `INSERT … SELECT` per kind of row); then
`cascade_delete()` removes the rows with `DELETE … WHERE pk IN (subquery)` statements, one per
table reachable by CASCADE, however many rows there are. Django's own collector would load
every row and delete in chunks of 100, which grows with the set.
"""

from __future__ import annotations

from django.db import models


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
