"""Writes of the authorisations catalog: namespaces, which clients may use them, and the
authorisation types and sources coded in a namespace. One transaction each, each leaving change
records under one audit context.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from audit.models import ChangeRecord
from audit.services import GONE, audited, record
from audit.states import raw_state, snapshot
from authorisations.errors import ConflictError, ReservedNamespaceError
from authorisations.models import (
    NAMESPACES,
    RESERVED_NAMESPACES,
    Authorisation,
    AuthorisationSource,
    AuthorisationType,
    DefaultNamespace,
    Namespace,
)
from foundation import reach

Action = ChangeRecord.Action
Item = TypeVar("Item", AuthorisationType, AuthorisationSource)


# --- namespaces and who may use them ------------------------------------------------------------

def reserved_check(namespace: Namespace) -> None:
    """Refuse a write into a reserved namespace: its authorisations mirror another context's
    data and change only with it (`authorisations.services.mirror`)."""
    if namespace.code in RESERVED_NAMESPACES:
        raise ReservedNamespaceError(
            f"Namespace {namespace.code} is reserved: its authorisations mirror Ainua account "
            "bindings and change only through the Accounts API.")


def namespace_create(*, code: str, name: str = "",
                     default_validity: timedelta | None = None) -> Namespace:
    namespace = Namespace(code=code, name=name or code, default_validity=default_validity)
    namespace.full_clean()
    with transaction.atomic(), audited():
        namespace.save()
        record(action=Action.CREATE, instance=namespace)
    return namespace


def namespace_update(*, namespace: Namespace, name: str,
                     default_validity: timedelta | None) -> Namespace:
    with transaction.atomic(), audited():
        current = Namespace.objects.select_for_update().get(pk=namespace.pk)
        before = snapshot(current)
        namespace.name, namespace.default_validity = name, default_validity
        namespace.full_clean()
        if (current.name, current.default_validity) == (name, default_validity):
            return namespace  # nothing changed
        namespace.save(update_fields=["name", "default_validity"])
        record(action=Action.UPDATE, instance=namespace, before=before)
    return namespace


def namespace_grant(*, identity, namespace: Namespace, default: bool = False) -> None:
    """Let a client use a namespace (foundation.reach records the grant); with `default`,
    its writes naming none go there."""
    with transaction.atomic(), audited():
        reach.grant(identity, NAMESPACES, namespace)
        if default:
            _default_namespace_set(identity, namespace)


def _default_namespace_set(identity, namespace: Namespace) -> None:
    current = DefaultNamespace.objects.filter(identity=identity).first()
    if current is not None and current.namespace_id == namespace.pk:
        return
    before = snapshot(current) if current is not None else None
    chosen, _ = DefaultNamespace.objects.update_or_create(
        identity=identity, defaults={"namespace": namespace})
    record(action=Action.UPDATE if before else Action.CREATE, instance=chosen, before=before)


def namespace_ungrant(*, identity, namespace: Namespace) -> None:
    with transaction.atomic(), audited():
        reach.ungrant(identity, NAMESPACES, namespace)
        current = DefaultNamespace.objects.filter(identity=identity,
                                                  namespace=namespace).first()
        if current is not None:
            record(action=Action.DELETE, instance=current, before=snapshot(current),
                   after=GONE)
            current.delete()


def api_client_namespaces_grant(*, identity, codes: Sequence[str]) -> list[Namespace]:
    """`create_api_client --namespace`: grant each (created if missing); the first is default."""
    granted = []
    with transaction.atomic(), audited():
        for index, code in enumerate(dict.fromkeys(codes)):
            namespace = Namespace.objects.filter(code=code).first()
            if namespace is None:
                namespace = namespace_create(code=code)
            namespace_grant(identity=identity, namespace=namespace, default=index == 0)
            granted.append(namespace)
    return granted


# --- authorisation types and sources ------------------------------------------------------------

def coded_item_create(*, model: type[Item], namespace: Namespace, code: str, name: str = "",
                      description: str = "", names: list[dict[str, str]] | None = None
                      ) -> Item:
    reserved_check(namespace)
    with transaction.atomic(), audited():
        if model.objects.alive().filter(namespace=namespace, code=code).exists():
            raise ConflictError(f"{model._meta.verbose_name} {code!r} already exists in "
                           f"namespace {namespace.code!r}.")
        now = timezone.now()
        item = model(namespace=namespace, code=code, name=name, description=description,
                     names=names or [], created=now, modified=now)
        item.save(force_insert=True)
        record(action=Action.CREATE, instance=item)
    return item


def coded_item_update(*, item: Item, changes: dict[str, Any]) -> Item:
    """Change `code`, `name`, `names` or `description` (an item never moves between
    namespaces)."""
    model = type(item)
    reserved_check(item.namespace)
    with transaction.atomic(), audited():
        current = model.objects.alive().select_for_update().get(pk=item.pk)
        before, row = snapshot(current), raw_state(current)
        code = changes.get("code", current.code)
        if code != current.code and model.objects.alive().filter(
                namespace_id=current.namespace_id, code=code).exists():
            raise ConflictError(f"{model._meta.verbose_name} {code!r} already exists.")
        for key in ("code", "name", "names", "description"):
            if key in changes:
                setattr(current, key, changes[key])
        if raw_state(current) == row:
            return current  # nothing changed
        current.modified = timezone.now()
        current.save()
        record(action=Action.UPDATE, instance=current, before=before)
    return current


def coded_item_delete(*, item: Item) -> None:
    """Soft delete; refused while live authorisations use the item. The lock waits for the
    writes that hold the item (`references.hold`): the count then sees what they wrote."""
    model = type(item)
    reserved_check(item.namespace)
    field = "type" if model is AuthorisationType else "source"
    with transaction.atomic(), audited():
        current = model.objects.alive().select_for_update().get(pk=item.pk)
        used = Authorisation.objects.alive().filter(**{field: current}).count()
        if used:
            raise ConflictError(f"{model._meta.verbose_name} {current.code!r} is used by {used} "
                           "authorisation(s); remove them first.")
        before = snapshot(current)
        current.deleted_at = current.modified = timezone.now()
        current.save(update_fields=["deleted_at", "modified"])
        record(action=Action.DELETE, instance=current, before=before, after=snapshot(current))
