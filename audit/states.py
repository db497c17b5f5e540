"""What the change log stores of a row: its state as JSON (secrets masked), built the same
way by every writer — a service's `record`, a bulk import's prepared records, a tombstone."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from json.encoder import encode_basestring_ascii
from operator import attrgetter
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

# Field names whose values never enter the change log in clear.
SECRET_FIELDS = frozenset({"password", "client_secret", "hetu", "pwd", "token",
                           "token_checksum", "secret"})
MASK = "***"
# the after-state of a secret a write replaced: masked too, but a reader of the change log
# sees that it changed (before and after would otherwise both read MASK)
SECRET_CHANGED = "*** (changed)"


def to_json(value: Any) -> Any:
    """Make a value JSON-safe the way the change log stores it (UUIDs, datetimes as strings)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def masked(state: dict | None) -> dict | None:
    """A state with its secret fields (top level) replaced by the mask."""
    if not state:
        return state
    return {k: (MASK if k in SECRET_FIELDS and v not in (None, "", SECRET_CHANGED) else v)
            for k, v in state.items()}


def secrets_changed(before_raw: dict[str, Any], after: Any) -> dict[str, str]:
    """`{field: SECRET_CHANGED}` for the secret fields of `after` that hold a value, as they
    did in `before_raw` (the row's `raw_state` before the write), but not the same one: to
    lay over the after-state, where both would read as the mask. A secret set or cleared
    shows without it ("" against the mask). Compared in clear; nothing of them is kept."""
    changed = {}
    for field in after._meta.concrete_fields:
        if field.name in SECRET_FIELDS:
            old, new = before_raw.get(field.attname), getattr(after, field.attname)
            if old not in (None, "") and new not in (None, "") and old != new:
                changed[field.name] = SECRET_CHANGED
    return changed


@lru_cache(maxsize=4096)
def json_time(moment: datetime) -> str:
    """A datetime as the change log stores it: the text DjangoJSONEncoder writes
    (milliseconds, `Z` for UTC). Remembered: a bulk write's rows share a few."""
    text = moment.isoformat()
    if moment.microsecond:
        text = text[:23] + text[26:]
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


_AS_IS = frozenset({str, int, float, bool, type(None)})


def json_value(value: Any) -> Any:
    """One value as `to_json` would give it back, without the JSON round trip (hot in bulk
    writes): what the change log stores for it."""
    kind = value.__class__
    if kind in _AS_IS:
        return value
    if kind is datetime:
        return json_time(value)
    if kind is uuid.UUID:
        return str(value)
    return to_json(value)


def _uuid_text(value: Any) -> Any:
    return str(value) if value.__class__ is uuid.UUID else json_value(value)


@lru_cache(maxsize=4096)
def _repeated_uuid_text(value: Any) -> Any:
    """A foreign key's UUID: a bulk write's rows share a few (their type, their source)."""
    return _uuid_text(value)


def _time_text(value: Any) -> Any:
    return json_time(value) if value.__class__ is datetime else json_value(value)


def _converter(field: models.Field) -> Any:
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.UUIDField):
        return _repeated_uuid_text if field.is_relation else _uuid_text
    if isinstance(target, models.DateTimeField):
        return _time_text
    return json_value


@dataclass(frozen=True)
class _Plan:
    """How `snapshot` reads a model's rows: all attributes at once, each value converted as
    its field's type says (the generic `json_value` dispatch cost more than the rest)."""

    names: tuple[str, ...]
    get: Any  # operator.attrgetter of the attnames
    convert: tuple[Any, ...]
    secret: tuple[bool, ...]
    keys: tuple[str, ...]  # each name as the JSON text of an object's key, `"name":`


_PLANS: dict[type, _Plan] = {}


def _plan_of(model: type[models.Model]) -> _Plan:
    plan = _PLANS.get(model)
    if plan is None:
        derived = set(getattr(model, "audit_derived", ()))
        fields = [f for f in model._meta.concrete_fields if f.name not in derived]
        plan = _PLANS[model] = _Plan(
            tuple(f.name for f in fields), attrgetter(*(f.attname for f in fields)),
            tuple(_converter(f) for f in fields), tuple(f.name in SECRET_FIELDS for f in fields),
            tuple(encode_basestring_ascii(f.name) + ":" for f in fields))
    return plan


def snapshot(instance: Any, *, exclude: Sequence[str] = (),
             model: type[models.Model] | None = None) -> dict:
    """The concrete field values of a row as JSON, with secret fields masked: the state every
    change record of the row holds, whichever path (a service, a bulk import) writes it.
    A model's `audit_derived` fields (computed from the others, such as a digest) are left
    out. `model`: the row is not a model instance but carries its attributes (a bulk
    import's light row objects)."""
    plan = _plan_of(model or type(instance))
    values = plan.get(instance)
    if len(plan.names) == 1:
        values = (values,)
    data = {}
    for name, value, convert, secret in zip(plan.names, values, plan.convert, plan.secret,
                                            strict=True):
        if secret and value not in (None, ""):
            data[name] = MASK
        elif name not in exclude:
            data[name] = convert(value)
    if exclude:
        for name in exclude:
            data.pop(name, None)
    return data


# how the change log names the rows of a many-to-many field: by their natural names where
# Tessera has them (a permission as `app_label.codename`, as create_api_client --perm names it;
# a group by its name), by primary key otherwise
_RELATED_LABELS: dict[str, tuple[str, ...]] = {
    "auth.permission": ("content_type__app_label", "codename"),
    "auth.group": ("name",),
}


def related_state(instance: models.Model, names: Sequence[str]) -> dict[str, list[str]]:
    """A row's many-to-many values as the change log stores them, each a sorted list of
    labels (one query a field): a state's `snapshot` holds the concrete fields only."""
    if instance._state.adding:  # not saved yet: no row of it is related to anything
        return {name: [] for name in names}
    state = {}
    for name in names:
        manager = getattr(instance, name)
        paths = _RELATED_LABELS.get(manager.model._meta.label_lower, ("pk",))
        rows = manager.values_list(*paths)
        state[name] = sorted(".".join(str(part) for part in row) for row in rows)
    return state


def raw_state(instance: models.Model) -> dict[str, Any]:
    """A row's concrete field values as they are, secrets in clear (a copy, so later changes
    of the instance do not show in it): for telling whether a write changes anything. Never
    stored or logged: the change log stores `snapshot`, whose masked secrets can look the
    same when they changed."""
    return copy.deepcopy({f.attname: getattr(instance, f.attname)
                          for f in instance._meta.concrete_fields})


def contains_mask(state: dict | None) -> bool:
    """Whether a state (top level) holds a masked secret."""
    return bool(state) and any(value in (MASK, SECRET_CHANGED) for value in state.values())


# the JSON text of the commonest values, as the change log's encoder writes them
_JSON_TEXT = {
    str: encode_basestring_ascii,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
    int: str,
    uuid.UUID: lambda value: f'"{value}"',
    datetime: lambda value: f'"{json_time(value)}"',
}


def encoded_snapshot(row: Any, *, model: type[models.Model] | None = None) -> str:
    """`encoded(snapshot(row))` written out as text directly, for a bulk write's hot path:
    the same JSON, without building the state as a dict first."""
    plan = _plan_of(model or type(row))
    values = plan.get(row)
    if len(plan.names) == 1:
        values = (values,)
    parts = []
    for key, value, secret in zip(plan.keys, values, plan.secret, strict=True):
        if secret and value not in (None, ""):
            parts.append(f'{key}"{MASK}"')
        else:
            text = _JSON_TEXT.get(value.__class__)
            parts.append(key + (text(value) if text else _ENCODE(json_value(value))))
    return "{" + ",".join(parts) + "}"


_ENCODE = DjangoJSONEncoder(separators=(",", ":")).encode


def encoded(value: dict | None) -> str | None:
    """A state as the JSON text the change log stores (what `to_json` then the field would
    write), secrets masked, serialised once."""
    return None if value is None else _ENCODE(masked(value))
