"""What rows name outside themselves (types, sources, identities), loaded in one query per kind.

A batch of any size costs at most three queries; each row's missing references become
`ValidationError` messages keyed by wire field, the same for the API and the import.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from authorisations.models import AuthorisationSource, AuthorisationType, Namespace, SubjectType


class Resolver:
    def __init__(self) -> None:
        self.types: dict[tuple[int, str], AuthorisationType] = {}
        self.sources: dict[tuple[int, str], AuthorisationSource] = {}
        self.identities: set[str] = set()

    def load(self, rows: Iterable[tuple[Namespace, dict[str, Any]]]) -> None:
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
            for side in ("subject", "object"):
                if row.get(f"{side}_type") == SubjectType.USER:
                    users.add(row[f"{side}_value"])
        if type_codes:
            for item in AuthorisationType.objects.alive().filter(
                    namespace_id__in=namespace_ids, code__in=type_codes):
                self.types[(item.namespace_id, item.code)] = item
        if source_codes:
            for item in AuthorisationSource.objects.alive().filter(
                    namespace_id__in=namespace_ids, code__in=source_codes):
                self.sources[(item.namespace_id, item.code)] = item
        users -= self.identities
        if users:
            found = get_user_model().objects.filter(pk__in=users).values_list("pk", flat=True)
            self.identities.update(str(pk) for pk in found)

    def resolve(self, namespace: Namespace, row: dict[str, Any]) -> dict[str, Any]:
        """The row's `type` and `source` objects; ValidationError naming each missing one."""
        errors: dict[str, list[str]] = {}
        out: dict[str, Any] = {}
        if "type_code" in row:
            out["type"] = self.types.get((namespace.pk, row["type_code"]))
            if out["type"] is None:
                errors["authType"] = [f"Unknown authorisation type {row['type_code']!r} in "
                                      f"namespace {namespace.code!r}."]
        if "source_code" in row:
            code = row["source_code"]
            out["source"] = self.sources.get((namespace.pk, code)) if code else None
            if code and out["source"] is None:
                errors["authSource"] = [f"Unknown authorisation source {code!r} in "
                                        f"namespace {namespace.code!r}."]
        for side in ("subject", "object"):
            if row.get(f"{side}_type") == SubjectType.USER and \
                    row[f"{side}_value"] not in self.identities:
                errors[f"{side}.value"] = [f"No identity has the id {row[f'{side}_value']}."]
        if errors:
            raise ValidationError(errors)
        return out
