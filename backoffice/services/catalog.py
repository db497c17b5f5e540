"""Writes of a tenant's back-office catalog: single entries (the admin) and the whole
catalog at once (`catalog_upsert`, the import: backoffice.importer reads its document).
Every write is in a transaction with its change records; an unchanged entry writes nothing.

`catalog_upsert`: upsert by id — a new id is created with that id, a known one (of the same
tenant) updated where it differs, an entry the document leaves out is kept. The document's
order is the order of siblings: where the stored positions already give that order they are
kept (so that a catalog exported and imported again changes nothing), else the siblings are
numbered in the document's order. All or nothing: every error against the database is found
and reported (by its place) before anything is written. The writes and their change records
are batched: a fixed number of statements per kind of entry, whatever the catalog's size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction

from audit.models import ChangeRecord
from audit.services import Change, audited, record_bulk
from audit.states import raw_state, snapshot
from backoffice.models import AccessPolicy, AccessPolicyGroup, Menu
from core.errors import InvalidInputError
from foundation.bulk.report import Report
from foundation.bulk.run import DocumentRefused
from identities.models import Tenant
from identities.services.catalogs import catalog_entry_delete, catalog_entry_save

Action = ChangeRecord.Action

# --- writes of single entries (the admin) --------------------------------------------------------

def _menu_check(menu: Menu) -> None:
    """A parent of the same tenant, and not the menu itself or one below it."""
    if menu.parent_id is None:
        return
    parents = dict(Menu.objects.filter(tenant_id=menu.tenant_id).values_list("id", "parent_id"))
    if menu.parent_id not in parents:
        raise InvalidInputError("The parent menu must be of the same tenant.")
    seen, current = set(), menu.parent_id
    while current is not None and current not in seen:
        if current == menu.pk:
            raise InvalidInputError("A menu cannot be placed below itself.")
        seen.add(current)
        current = parents.get(current)


def _tenant_of(entry: Menu | AccessPolicyGroup | AccessPolicy) -> int:
    return entry.group.tenant_id if isinstance(entry, AccessPolicy) else entry.tenant_id


def entry_save(*, entry: Menu | AccessPolicyGroup | AccessPolicy, created: bool):
    """Save a catalog entry edited as a whole, through identities' catalog service (one
    change record; unchanged, nothing is written), once the back office's rules hold: an
    entry stays in its tenant, a menu's parent is of the same tenant and not below it."""
    with transaction.atomic():
        if not created and _tenant_of(type(entry).objects.get(pk=entry.pk)) != _tenant_of(
                entry):
            raise InvalidInputError("A catalog entry cannot move to another tenant.")
        if isinstance(entry, Menu):
            _menu_check(entry)
        return catalog_entry_save(entry=entry, created=created)


def entry_delete(*, entry: Menu | AccessPolicyGroup | AccessPolicy) -> None:
    """Delete an entry nothing refers to (sub-menus, policies of a group and members' grants
    PROTECT it: remove those first); a tombstone is kept."""
    if isinstance(entry, Menu) and Menu.objects.filter(parent=entry).exists():
        raise InvalidInputError(f"Menu {entry.key} has sub-menus: move or delete them first.")
    if isinstance(entry, AccessPolicyGroup) and AccessPolicy.objects.filter(group=entry).exists():
        raise InvalidInputError(f"Group {entry.key} has policies: delete them first.")
    try:
        catalog_entry_delete(entry=entry)
    except models.ProtectedError:
        raise InvalidInputError(f"{entry} is given to members: take it from them first."
                                ) from None


# --- the whole catalog (the import) --------------------------------------------------------------

class CatalogRefused(DocumentRefused):
    """The catalog document has errors (each `place: message`); nothing was written."""


@dataclass
class Entry:
    """One menu, group or policy of a catalog document, checked for shape."""

    place: str
    id: int
    key: str
    name: str
    position: int
    parent: int | None = None  # a menu's parent id; a policy's group id


@dataclass
class Document:
    """A tenant's catalog as the import reads it (backoffice.importer.read_document)."""

    tenant: str
    menus: list[Entry] = field(default_factory=list)
    groups: list[Entry] = field(default_factory=list)
    policies: list[Entry] = field(default_factory=list)

    @property
    def entries(self) -> int:
        return len(self.menus) + len(self.groups) + len(self.policies)


class _Errors(list):
    def error(self, place: str, message: str) -> None:
        self.append(f"{place}: {message}")


@dataclass
class _Plan:
    model: type[models.Model]
    new: list[models.Model] = field(default_factory=list)
    changed: list[tuple[models.Model, dict]] = field(default_factory=list)  # (row, before)
    unchanged: int = 0


def _plan(model: type[models.Model], entries: list[Entry], values: Callable[[Entry], dict],
          existing: dict[int, models.Model]) -> _Plan:
    plan = _Plan(model)
    for entry in entries:
        row = existing.get(entry.id)
        if row is None:
            plan.new.append(model(id=entry.id, **values(entry)))
            continue
        before_raw, before = raw_state(row), snapshot(row)
        for name, value in values(entry).items():
            setattr(row, name, value)
        if raw_state(row) == before_raw:
            plan.unchanged += 1
        else:
            plan.changed.append((row, before))
    return plan


def _positions(entries: list[Entry], existing: dict[int, models.Model],
               parent_of: Callable[[models.Model], int | None]) -> dict[int, int]:
    """Each entry's position (by id): siblings (the same parent, in the document's order)
    that are all stored under that parent, in that order by their stored (position, id),
    keep their positions; any other siblings are numbered in the document's order."""
    siblings: dict[int | None, list[Entry]] = {}
    for entry in entries:
        siblings.setdefault(entry.parent, []).append(entry)
    positions: dict[int, int] = {}
    for parent, group in siblings.items():
        rows = [existing.get(entry.id) for entry in group]
        if all(row is not None and parent_of(row) == parent for row in rows) and (
                sorted(rows, key=lambda row: (row.position, row.pk)) == rows):
            positions.update((row.pk, row.position) for row in rows)
        else:
            positions.update((entry.id, entry.position) for entry in group)
    return positions


def _foreign(errors: _Errors, entries: list[Entry], existing: dict[int, models.Model],
             tenant_of: Callable[[models.Model], int], tenant: Tenant, what: str) -> None:
    for entry in entries:
        row = existing.get(entry.id)
        if row is not None and tenant_of(row) != tenant.id:
            errors.error(f"{entry.place}.id", f"{what} {entry.id} belongs to another tenant.")


def _taken(errors: _Errors, entries: list[Entry], others: dict[tuple, int],
           scope: Callable[[Entry], Any], what: str) -> None:
    """Keys the document gives that an entry it leaves out holds."""
    ids = {entry.id for entry in entries}
    for entry in entries:
        holder = others.get((scope(entry), entry.key))
        if holder is not None and holder not in ids:
            errors.error(f"{entry.place}.key", f"{what} {holder} of the tenant has the key "
                                               f"{entry.key!r}.")


def _write(plan: _Plan, batch_size: int | None) -> None:
    """New rows (parents first: the document's order), changed rows — their keys parked
    first, so that keys can swap or move between groups — and their change records.
    `batch_size`: rows per statement (None: as many as the database takes)."""
    rekeyed = [row for row, _ in plan.changed]
    objects = plan.model.objects
    if rekeyed:
        finals = {row.pk: row.key for row in rekeyed}
        for row in rekeyed:
            row.key = f"~import~{row.pk}"
        objects.bulk_update(rekeyed, ["key"], batch_size=batch_size)
        for row in rekeyed:
            row.key = finals[row.pk]
    objects.bulk_create(plan.new, batch_size=batch_size)
    if plan.changed:
        fields = [f.name for f in plan.model._meta.concrete_fields if not f.primary_key]
        objects.bulk_update([row for row, _ in plan.changed], fields, batch_size=batch_size)
    changes = [Change(action=Action.CREATE, object_type=plan.model._meta.label_lower,
                      object_id=str(row.pk), object_repr=str(row), after=snapshot(row))
               for row in plan.new] + [
        Change(action=Action.UPDATE, object_type=plan.model._meta.label_lower,
               object_id=str(row.pk), object_repr=str(row), before=before,
               after=snapshot(row)) for row, before in plan.changed]
    record_bulk(changes, **({"batch_size": batch_size} if batch_size else {}))


def catalog_upsert(document: Document, *, batch_size: int | None = None) -> Report:
    """Write the document's catalog (see the module's docstring): the report counts its
    entries created, updated and unchanged. Raises CatalogRefused (nothing written) when it
    cannot be written as a whole."""
    errors = _Errors()
    report = Report(rows=document.entries)
    with transaction.atomic(), audited():
        tenant = Tenant.objects.filter(key=document.tenant).first()
        if tenant is None:
            raise CatalogRefused([f"tenant: no tenant has the key {document.tenant!r} "
                                  "(create it with create_tenant)."])
        menus = Menu.objects.select_for_update().in_bulk([e.id for e in document.menus])
        groups = AccessPolicyGroup.objects.select_for_update().in_bulk(
            [e.id for e in document.groups])
        policies = AccessPolicy.objects.select_for_update().select_related("group").in_bulk(
            [e.id for e in document.policies])
        _foreign(errors, document.menus, menus, lambda row: row.tenant_id, tenant, "menu")
        _foreign(errors, document.groups, groups, lambda row: row.tenant_id, tenant, "group")
        _foreign(errors, document.policies, policies, lambda row: row.group.tenant_id, tenant,
                 "policy")
        _taken(errors, document.menus, {
            (None, key): pk for pk, key in Menu.objects.filter(tenant=tenant)
            .values_list("id", "key")}, lambda entry: None, "menu")
        _taken(errors, document.groups, {
            (None, key): pk for pk, key in AccessPolicyGroup.objects.filter(tenant=tenant)
            .values_list("id", "key")}, lambda entry: None, "group")
        _taken(errors, document.policies, {
            (group, key): pk for pk, group, key in AccessPolicy.objects.filter(
                group__tenant=tenant).values_list("id", "group_id", "key")},
            lambda entry: entry.parent, "policy")
        if errors:
            raise CatalogRefused(errors)
        at = {Menu: _positions(document.menus, menus, lambda row: row.parent_id),
              AccessPolicyGroup: _positions(document.groups, groups, lambda row: None),
              AccessPolicy: _positions(document.policies, policies, lambda row: row.group_id)}
        plans = [
            _plan(Menu, document.menus, lambda e: {
                "tenant_id": tenant.id, "key": e.key, "name": e.name, "parent_id": e.parent,
                "position": at[Menu][e.id]}, menus),
            _plan(AccessPolicyGroup, document.groups, lambda e: {
                "tenant_id": tenant.id, "key": e.key, "name": e.name,
                "position": at[AccessPolicyGroup][e.id]}, groups),
            _plan(AccessPolicy, document.policies, lambda e: {
                "group_id": e.parent, "key": e.key, "name": e.name,
                "position": at[AccessPolicy][e.id]}, policies),
        ]
        for plan in plans:
            _write(plan, batch_size)
            report.created += len(plan.new)
            report.updated += len(plan.changed)
            report.unchanged += plan.unchanged
        if any(plan.new for plan in plans):
            _sequences_reset([plan.model for plan in plans if plan.new])
    report.written = True
    return report


def _sequences_reset(models_: list[type[models.Model]]) -> None:
    """After rows inserted with their own ids, the id sequences (PostgreSQL) move past them,
    so that the admin's next new entry does not take an id in use."""
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT-less ids follow the largest one
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models_):
            cursor.execute(sql)
