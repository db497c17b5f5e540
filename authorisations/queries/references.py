"""What rows name outside themselves (types, sources, identities), loaded in one query per kind.

A batch of any size costs at most three queries; each row's missing references become
`ValidationError` messages keyed by wire field, the same for the API and the import. An
import loads the whole catalog of live types and sources once (`load_catalog`: the catalog
as it stood when the import began), so that its reading process resolves them with no
database; identities, which are many, are checked per batch (`check_identities`).

What a write resolved it then holds (`hold`, `live_held`): the types and sources it uses stay
live until it commits, and one deleted since it resolved them is refused. The delete
(`services.coded_item_delete`) locks the item `FOR UPDATE` and then counts its authorisations;
a write locks the items it uses `FOR KEY SHARE` (core.locks) and then checks they are live. One
waits for the other, and under READ COMMITTED the second to go reads what the first committed:
never a live authorisation on a deleted type or source.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from authorisations.models import AuthorisationSource, AuthorisationType, Namespace, SubjectType
from core import locks

Row = tuple[Namespace, dict[str, Any]]


class Resolver:
    def __init__(self) -> None:
        self.types: dict[tuple[int, str], AuthorisationType] = {}
        self.sources: dict[tuple[int, str], AuthorisationSource] = {}
        self.identities: set[str] = set()
        self.catalog = False  # every live type and source is loaded

    def load(self, rows: Iterable[Row]) -> None:
        """The references of these rows (types and sources unless the catalog is loaded)."""
        type_codes: set[str] = set()
        source_codes: set[str] = set()
        namespace_ids: set[int] = set()
        users: set[str] = set()
        for namespace, row in rows:
            namespace_ids.add(namespace.pk)
            if row.get("type_code") and (namespace.pk, row["type_code"]) not in self.types:
                type_codes.add(row["type_code"])
            source = row.get("source_code")
            if source and (namespace.pk, source) not in self.sources:
                source_codes.add(source)
            users |= users_named(row)
        if type_codes and not self.catalog:
            for item in AuthorisationType.objects.alive().filter(
                    namespace_id__in=namespace_ids, code__in=type_codes):
                self.types[(item.namespace_id, item.code)] = item
        if source_codes and not self.catalog:
            for item in AuthorisationSource.objects.alive().filter(
                    namespace_id__in=namespace_ids, code__in=source_codes):
                self.sources[(item.namespace_id, item.code)] = item
        self._load_identities(users)

    def load_catalog(self) -> None:
        """Every live type and source (two queries), for resolving without the database."""
        for model, into in ((AuthorisationType, self.types),
                            (AuthorisationSource, self.sources)):
            for item in model.objects.alive().only("id", "namespace_id", "code"):
                into[(item.namespace_id, item.code)] = item
        self.catalog = True

    def _load_identities(self, users: set[str]) -> None:
        users -= self.identities
        if users:
            found = get_user_model().objects.filter(pk__in=users).values_list("pk", flat=True)
            self.identities.update(str(pk) for pk in found)

    def resolve(self, namespace: Namespace, row: dict[str, Any], *,
                identities: bool = True) -> dict[str, Any]:
        """The row's `type` and `source` objects; ValidationError naming each missing one
        (and, unless `identities` is False, each user named that is no identity)."""
        errors: dict[str, list[str]] = {}
        out: dict[str, Any] = {}
        if "type_code" in row:
            out["type"] = self.types.get((namespace.pk, row["type_code"]))
            if out["type"] is None:
                errors["authType"] = [unknown("type", row["type_code"], namespace)]
        if "source_code" in row:
            code = row["source_code"]
            out["source"] = self.sources.get((namespace.pk, code)) if code else None
            if code and out["source"] is None:
                errors["authSource"] = [unknown("source", code, namespace)]
        if identities:
            errors.update(self.identity_errors(row))
        if errors:
            raise ValidationError(errors)
        return out

    def check_identities(self, users: Iterable[str]) -> None:
        """Load (one query) these identity ids, named as users."""
        self._load_identities(set(users))

    def identity_errors(self, row: dict[str, Any]) -> dict[str, list[str]]:
        return self.user_errors(user_sides(row))

    def user_errors(self, sides: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
        """An error for each ("subject" or "object", identity id) whose id is no identity."""
        return {f"{side}.value": [f"No identity has the id {value}."]
                for side, value in sides if value not in self.identities}


# (key of a resolved reference, wire field, model, noun)
ITEMS = (("type", "authType", AuthorisationType, "type"),
         ("source", "authSource", AuthorisationSource, "source"))


def unknown(noun: str, code: str, namespace: Namespace) -> str:
    return f"Unknown authorisation {noun} {code!r} in namespace {namespace.code!r}."


def live_held(model: type[AuthorisationType | AuthorisationSource], ids: Iterable) -> set:
    """Which of these types (or sources) are live, each locked against deletion until the
    transaction ends (one query; none without ids)."""
    ids = set(ids)
    return locks.key_shared(model.objects.alive().filter(pk__in=ids)) if ids else set()


def hold(namespace: Namespace, refs: dict[str, Any]) -> None:
    """Hold the type and source a write resolved (`Resolver.resolve`) until it commits;
    ValidationError, as the resolver's, for one deleted since."""
    errors: dict[str, list[str]] = {}
    for key, field, model, noun in ITEMS:
        item = refs.get(key)
        if item is not None and not live_held(model, [item.pk]):
            errors[field] = [unknown(noun, item.code, namespace)]
    if errors:
        raise ValidationError(errors)


def user_sides(row: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """("subject" or "object", the identity id) for each side of a row that names a user."""
    return tuple((side, row[f"{side}_value"]) for side in ("subject", "object")
                 if row.get(f"{side}_type") == SubjectType.USER)


def users_named(row: dict[str, Any]) -> set[str]:
    return {value for _, value in user_sides(row)}
