"""What holds a person's identity, and the release of identities a placement no longer needs.

A person is one identity whatever surfaces place it (docs/identities.md, "One person, one
truth"). When a placement goes (a CustomerID user removed with its organization), the
identity goes only when nothing else holds it; otherwise it stays, with a change record naming
what holds it. What can hold an identity is a registry: this app registers tenant
memberships; higher apps (authorisations, accounts) register their own holders in their
`AppConfig.ready()`, so that this app never imports them (the imports run one way).

A holder is a function from a subquery of identity ids to a queryset of the holding rows,
annotated `held_id` (the identity id as text, `audit.tombstones.uuid_text`) and `held_by` (a
label: what holds it). One query per holder, whatever the number of identities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Cast, Concat

from audit.models import ChangeRecord
from audit.services import Change, record_bulk
from audit.tombstones import uuid_text
from identities.models import Identity, Member
from identities.services.bulk import identities_delete

IDENTITY = "identities.identity"
HeldRows = Callable[[models.QuerySet], models.QuerySet]


@dataclass(frozen=True)
class Holder:
    """A kind of row that holds identities: `name` says what it is; `rows(ids)` the holding
    rows of the identities in `ids`, annotated `held_id` and `held_by`."""

    name: str
    rows: HeldRows


_HOLDERS: dict[str, Holder] = {}


def holder_register(name: str, rows: HeldRows) -> None:
    """Register (or replace, by name: `ready()` may run twice) a kind of holder."""
    _HOLDERS[name] = Holder(name, rows)


def holders() -> list[Holder]:
    return list(_HOLDERS.values())


def id_texts(ids: models.QuerySet) -> models.QuerySet:
    """The identities of `ids` (a values("…") subquery of identity pks) as text, the form in
    which other apps name an identity (a `user` subject or object of an authorisation)."""
    return Identity.objects.filter(pk__in=ids).annotate(id_text=uuid_text("id")).values(
        "id_text")


def _memberships(ids: models.QuerySet) -> models.QuerySet:
    return Member.objects.filter(identity_id__in=ids).annotate(
        held_id=uuid_text("identity_id"),
        held_by=Concat(Value("tenant membership: member "), Cast("pk", models.CharField()),
                       Value(" of tenant "), F("tenant__key"),
                       output_field=models.CharField()))


holder_register("tenant membership", _memberships)


def identities_held(ids: models.QuerySet) -> dict[str, list[str]]:
    """identity id (text) → what holds it, for the identities of `ids` that something holds
    (one query per kind of holder)."""
    held: dict[str, list[str]] = {}
    for holder in holders():
        for held_id, label in holder.rows(ids).order_by().values_list("held_id", "held_by"):
            held.setdefault(str(held_id), []).append(label)
    return held


def persons_release(*, ids: models.QuerySet, placement: str,
                    detach: Callable[[models.QuerySet], None],
                    keep: frozenset[type[models.Model]] = frozenset()) -> dict[str, list[str]]:
    """The placement of the identities of `ids` (a values("…") subquery over the caller's
    placement rows) is going. For each identity something holds, a change record names what
    holds it, and `detach(held)` removes the caller's placement rows of those (`held`: a
    values("pk") subquery of them), so that `ids`, read again, names the free identities
    only; those are deleted with whatever references them, but the models in `keep` (the
    caller's, which it deletes itself afterwards). A number of statements the schema and the
    registry fix, whatever the number of identities. Answers the held ones."""
    held = identities_held(ids)
    if held:
        any_holder = Q(pk__in=[])
        for holder in holders():
            any_holder |= Q(id_text__in=holder.rows(ids).values("held_id"))
        held_identities = Identity.objects.filter(pk__in=ids).annotate(
            id_text=uuid_text("id")).filter(any_holder)
        names = {str(pk): username for pk, username in
                 held_identities.order_by().values_list("pk", "username")}
        record_bulk(Change(
            action=ChangeRecord.Action.UPDATE, object_type=IDENTITY, object_id=pk,
            object_repr=names.get(pk, ""),
            before={"placement": placement},
            after={"placement": None, "kept": True, "held_by": sorted(labels)},
        ) for pk, labels in held.items())
        detach(held_identities.values("pk"))
    identities_delete(ids, keep=keep)
    return held
