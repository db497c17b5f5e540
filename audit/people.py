"""People named, not shown by id, in the console (docs/console.md, "Names").

Many texts hold a person's id: a change record's `object_repr` (`1234567-8/support/<uuid>`),
an authorisation's subject and object values, model `__str__`s that API error messages
repeat. They stay as they are; the console's own means name the people in them when they are
shown — display callables, object labels and the `person_name` template filter
(`audit/templatetags/people.py`) — from names resolved once per page (`person_names` over
every text the page will show, `prefetch_person_names` on the rows of a list).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import get_user_model

from audit.models import ChangeRecord
from core.names import UUID_RE, person_label

IDENTITY = "identities.identity"
NAMES_ATTR = "_person_names"  # the names of a prefetched row's people


def person_names(ids: Iterable[str]) -> dict[str, str]:
    """id (lowercase text) → the person's label, for the ids that are identities (one query),
    or were (one more query, over the tombstones, only when some are not)."""
    wanted = {str(i).lower() for i in ids}
    if not wanted:
        return {}
    names = {str(pk): person_label(pk=pk, username=u, first_name=f, last_name=la, email=e)
             for pk, u, f, la, e in get_user_model().objects.filter(pk__in=wanted).values_list(
                 "pk", "username", "first_name", "last_name", "email")}
    gone = wanted - names.keys()
    if gone:
        for object_id, before in ChangeRecord.objects.filter(
                object_type=IDENTITY, action=ChangeRecord.Action.DELETE,
                object_id__in=gone).values_list("object_id", "before"):
            before = before or {}
            names[object_id] = person_label(
                pk=object_id, username=before.get("username", ""),
                first_name=before.get("first_name", ""), last_name=before.get("last_name", ""),
                email=before.get("email", "")) + " (deleted)"
    return names


def ids_in(texts: Iterable[Any]) -> set[str]:
    """The ids (lowercase) in some texts."""
    return {m.group(0).lower() for text in texts if text is not None
            for m in UUID_RE.finditer(str(text))}


def names_in(texts: Iterable[Any]) -> dict[str, str]:
    """The names of the people whose ids are in the texts (see `person_names`)."""
    return person_names(ids_in(texts))


def name_people(text: Any, names: dict[str, str], *, keep_ids: bool = False) -> str:
    """`text` with each person's id replaced by the person's label (`keep_ids`: the id stays,
    the label follows it — for a record's stored state, where the id is the data)."""
    text = "" if text is None else str(text)
    if not names:
        return text

    def named(match) -> str:
        label = names.get(match.group(0).lower())
        if label is None:
            return match.group(0)
        return f"{match.group(0)} — {label}" if keep_ids else label

    return UUID_RE.sub(named, text)


def prefetch_person_names(rows: Iterable[Any],
                          texts: Callable[[Any], Iterable[Any]]) -> dict[str, str]:
    """Names the people in the `texts` of every row at once (one query for the whole page),
    kept on each row for `named`."""
    rows = list(rows)
    names = names_in(text for row in rows for text in texts(row))
    for row in rows:
        setattr(row, NAMES_ATTR, names)
    return names


def named(row: Any, text: Any, *, keep_ids: bool = False) -> str:
    """`text` of `row` with its people named: from the row's prefetched names, else one query
    for this text."""
    names = getattr(row, NAMES_ATTR, None)
    if names is None:
        names = names_in([text])
    return name_people(text, names, keep_ids=keep_ids)
