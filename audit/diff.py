"""What a change record changed, readable: the changed fields only, labelled in words, with
related rows' ids resolved to their names — for the History pages, the change-record page and
an audit context's page.

Resolving costs one query per related model the records refer to, however many records and
fields there are (`diffs` reads a whole page of records at once), and one (two when some are
gone) for the people whose ids are left in the values (audit.people).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.text import capfirst

from audit.models import ChangeRecord
from audit.people import name_people, names_in

EMPTY = "—"
# values longer than this are cut in the diff (the record's page keeps the whole state)
LONGEST = 300


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str


def changed_keys(before: dict | None, after: dict | None) -> list[str]:
    """The keys whose value differs; a creation shows what it set, a deletion what it held."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [key for key in keys
            if before.get(key) != after.get(key) and not (_blank(before.get(key))
                                                          and _blank(after.get(key)))]


def diffs(changes: Sequence[ChangeRecord]) -> dict[int, list[FieldChange]]:
    """Each record's changed fields, by record id, values resolved to names."""
    plans = [(change, _model_of(change.object_type),
              changed_keys(change.before, change.after)) for change in changes]
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for change, model, keys in plans:
        for key in keys:
            related = _related_model(model, key)
            if related is not None:
                for state in (change.before, change.after):
                    wanted[related].update(_ids((state or {}).get(key), related))
    names = {related: {str(pk): str(row) for pk, row in
                       related._default_manager.in_bulk(list(ids)).items()}
             for related, ids in wanted.items() if ids}
    shown = {change.pk: [_field_change(model, key, change, names) for key in keys]
             for change, model, keys in plans}
    # people's ids left in the values (a text field holding one, a related row whose name
    # holds one): named, one query for them all
    people = names_in(value for items in shown.values() for item in items
                      for value in (item.before, item.after))
    if not people:
        return shown
    return {pk: [replace(item, before=name_people(item.before, people),
                         after=name_people(item.after, people)) for item in items]
            for pk, items in shown.items()}


def diff_of(change: ChangeRecord) -> list[FieldChange]:
    return diffs([change])[change.pk]


def _label(model, key: str, field: models.Field | None) -> str:
    """The words the model's admin labels the field with (`labels` of foundation.admin.names'
    WordLabelsMixin, where the verbose name is a wire name), else its verbose name."""
    labels = getattr(admin.site._registry.get(model), "labels", None) or {}
    if key in labels:
        return labels[key]
    return capfirst(str(field.verbose_name)) if field is not None else key


def _field_change(model, key: str, change: ChangeRecord, names) -> FieldChange:
    field = _field(model, key)
    resolved = names.get(_related_model(model, key), {})
    return FieldChange(
        field=key,
        label=_label(model, key, field),
        before=_shown((change.before or {}).get(key), field, resolved),
        after=_shown((change.after or {}).get(key), field, resolved))


def _model_of(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model, key: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _related_model(model, key: str) -> type[models.Model] | None:
    field = _field(model, key)
    if field is None or not field.is_relation or field.related_model is None:
        return None
    if not (field.many_to_one or field.one_to_one or field.many_to_many):
        return None
    return field.related_model


def _ids(value: Any, related: type[models.Model]) -> Iterable:
    """The valid primary keys in a state's value (one id or a list of them)."""
    for item in value if isinstance(value, list) else [value]:
        if _blank(item) or isinstance(item, (dict, list, bool)):
            continue
        try:
            yield related._meta.pk.to_python(item)
        except (ValidationError, TypeError, ValueError):
            continue


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _shown(value: Any, field: models.Field | None, names: dict[str, str]) -> str:
    if _blank(value):
        return EMPTY
    if isinstance(value, list):
        return ", ".join(_shown(item, field, names) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if names and str(value) in names:
        return names[str(value)]
    if field is not None and field.choices and not field.is_relation:
        label = dict(field.flatchoices).get(value)
        if label is not None:
            return str(label)
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= LONGEST else text[:LONGEST - 1] + "…"
