"""`import_backoffice FILE`: a tenant's whole back-office catalog from one JSON or YAML
document (docs/backoffice.md):

    {"tenant": KEY,
     "menus": [{"id", "key", "name", "children": [...]}],
     "accessPolicyGroups": [{"id", "key", "name", "policies": [{"id", "key", "name"}]}]}

Upsert by id: a new id is created with that id, a known one (of the same tenant) updated
where it differs, an entry the file leaves out is kept. The order in the file is the order
of siblings (`position`). All or nothing: every error of the document is found and reported
(by its place, `menus[0].children[2].key: …`) before anything is written. A second run of
the same document writes nothing. The writes and their change records are batched: a fixed
number of statements per kind of entry, whatever the catalog's size."""

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
from core.patterns import NUL_FREE_FILLED, matches
from foundation.bulk.report import Report
from identities.models import Tenant

Action = ChangeRecord.Action
INT32_MAX = 2**31 - 1
SLUG = r"^[-a-zA-Z0-9_]+$"
MAX_DEPTH = 32  # menus nested deeper than this are refused
MAX_ENTRIES = 10_000  # entries of one document (menus + groups + policies)
DOCUMENT_KEYS = {"tenant", "menus", "accessPolicyGroups"}
MENU_KEYS = {"id", "key", "name", "children"}
GROUP_KEYS = {"id", "key", "name", "policies"}
POLICY_KEYS = {"id", "key", "name"}


class CatalogRefused(Exception):  # noqa: N818 (the command's message)
    """The document has errors (each `place: message`); nothing was written."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Entry:
    """One menu, group or policy of the document, checked."""

    place: str
    id: int
    key: str
    name: str
    position: int
    parent: int | None = None  # a menu's parent id; a policy's group id


@dataclass
class Document:
    tenant: str
    menus: list[Entry] = field(default_factory=list)
    groups: list[Entry] = field(default_factory=list)
    policies: list[Entry] = field(default_factory=list)


# --- reading: the document's shape, no database ------------------------------------------------

class _Reader:
    def __init__(self):
        self.errors: list[str] = []
        self.entries = 0

    def error(self, place: str, message: str) -> None:
        self.errors.append(f"{place}: {message}" if place else message)

    def obj(self, value: Any, place: str, keys: set[str], required: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.error(place, "expected an object.")
            return None
        for key in sorted(map(str, set(value) - keys)):
            self.error(f"{place}.{key}" if place else key, "unknown field.")
        for key in sorted(required - set(value)):
            self.error(f"{place}.{key}" if place else key, "required.")
        return value

    def array(self, value: Any, place: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(place, "expected an array.")
            return []
        return value

    def entry(self, value: dict, place: str, position: int,
              parent: int | None) -> Entry | None:
        self.entries += 1
        pk, key, name = value.get("id"), value.get("key"), value.get("name")
        ok = True
        if "id" in value and (isinstance(pk, bool) or not isinstance(pk, int)
                              or not 1 <= pk <= INT32_MAX):
            self.error(f"{place}.id", "a whole number from 1 to 2147483647.")
            ok = False
        if "key" in value and (not isinstance(key, str) or len(key) > 100
                               or not matches(SLUG, key)):
            self.error(f"{place}.key", "1 to 100 letters, digits, - or _.")
            ok = False
        if "name" in value and (not isinstance(name, str) or len(name) > 200
                                or not matches(NUL_FREE_FILLED, name) or not name.strip()):
            self.error(f"{place}.name", "a text of 1 to 200 characters (no NUL).")
            ok = False
        if not ok or not {"id", "key", "name"} <= set(value):
            return None
        return Entry(place, pk, key, name, position, parent)

    def menus(self, items: list, place: str, parent: int | None, depth: int,
              out: list[Entry]) -> None:
        if depth > MAX_DEPTH:
            self.error(place, f"menus nest more than {MAX_DEPTH} levels.")
            return
        for position, item in enumerate(items):
            where = f"{place}[{position}]"
            if self.entries >= MAX_ENTRIES:
                self.error(where, f"more than {MAX_ENTRIES} entries.")
                return
            value = self.obj(item, where, MENU_KEYS, {"id", "key", "name"})
            if value is None:
                continue
            entry = self.entry(value, where, position, parent)
            if entry is not None:
                out.append(entry)
            self.menus(self.array(value.get("children"), f"{where}.children"),
                       f"{where}.children", entry.id if entry else None, depth + 1, out)


def _duplicates(reader: _Reader, entries: list[Entry], what: str,
                scope: Callable[[Entry], Any] = lambda entry: None) -> None:
    seen_ids: dict[int, str] = {}
    seen_keys: dict[tuple, str] = {}
    for entry in entries:
        if entry.id in seen_ids:
            reader.error(f"{entry.place}.id", f"{what} {entry.id} is also at "
                                              f"{seen_ids[entry.id]}.")
        seen_ids.setdefault(entry.id, entry.place)
        key = (scope(entry), entry.key)
        if key in seen_keys:
            reader.error(f"{entry.place}.key", f"{what} key {entry.key!r} is also at "
                                               f"{seen_keys[key]}.")
        seen_keys.setdefault(key, entry.place)


def read_document(data: Any) -> Document:
    """The document checked for shape, types and duplicates (no database); raises
    CatalogRefused with every error found."""
    reader = _Reader()
    top = reader.obj(data, "", DOCUMENT_KEYS, {"tenant"})
    if top is None:
        raise CatalogRefused(reader.errors)
    tenant = top.get("tenant")
    if "tenant" in top and (not isinstance(tenant, str) or not matches(SLUG, tenant)):
        reader.error("tenant", "a tenant key (letters, digits, - or _).")
    document = Document(tenant if isinstance(tenant, str) else "")
    reader.menus(reader.array(top.get("menus"), "menus"), "menus", None, 1, document.menus)
    for position, item in enumerate(reader.array(top.get("accessPolicyGroups"),
                                                 "accessPolicyGroups")):
        where = f"accessPolicyGroups[{position}]"
        value = reader.obj(item, where, GROUP_KEYS, {"id", "key", "name"})
        if value is None:
            continue
        group = reader.entry(value, where, position, None)
        if group is not None:
            document.groups.append(group)
        for index, policy in enumerate(reader.array(value.get("policies"),
                                                    f"{where}.policies")):
            place = f"{where}.policies[{index}]"
            if reader.entries >= MAX_ENTRIES:
                reader.error(place, f"more than {MAX_ENTRIES} entries.")
                break
            policy_value = reader.obj(policy, place, POLICY_KEYS, {"id", "key", "name"})
            if policy_value is not None:
                entry = reader.entry(policy_value, place, index, group.id if group else None)
                if entry is not None and group is not None:
                    document.policies.append(entry)
    _duplicates(reader, document.menus, "menu")
    _duplicates(reader, document.groups, "group")
    _duplicates(reader, document.policies, "policy", lambda entry: entry.parent)
    if reader.errors:
        raise CatalogRefused(reader.errors)
    return document


# --- applying: checks against the database, then the batched writes -----------------------------

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


def _foreign(reader: _Reader, entries: list[Entry], existing: dict[int, models.Model],
             tenant_of: Callable[[models.Model], int], tenant: Tenant, what: str) -> None:
    for entry in entries:
        row = existing.get(entry.id)
        if row is not None and tenant_of(row) != tenant.id:
            reader.error(f"{entry.place}.id", f"{what} {entry.id} belongs to another tenant.")


def _taken(reader: _Reader, entries: list[Entry], others: dict[tuple, int],
           scope: Callable[[Entry], Any], what: str) -> None:
    """Keys the document gives that an entry it leaves out holds."""
    ids = {entry.id for entry in entries}
    for entry in entries:
        holder = others.get((scope(entry), entry.key))
        if holder is not None and holder not in ids:
            reader.error(f"{entry.place}.key", f"{what} {holder} of the tenant has the key "
                                               f"{entry.key!r}.")


def _write(plan: _Plan) -> None:
    """New rows (parents first: the document's order), changed rows — their keys parked
    first, so that keys can swap or move between groups — and their change records."""
    rekeyed = [row for row, _ in plan.changed]
    if rekeyed:
        finals = {row.pk: row.key for row in rekeyed}
        for row in rekeyed:
            row.key = f"~import~{row.pk}"
        plan.model.objects.bulk_update(rekeyed, ["key"])
        for row in rekeyed:
            row.key = finals[row.pk]
    plan.model.objects.bulk_create(plan.new)
    if plan.changed:
        fields = [f.name for f in plan.model._meta.concrete_fields if not f.primary_key]
        plan.model.objects.bulk_update([row for row, _ in plan.changed], fields)
    record_bulk([Change(action=Action.CREATE, object_type=plan.model._meta.label_lower,
                        object_id=str(row.pk), object_repr=str(row), after=snapshot(row))
                 for row in plan.new]
                + [Change(action=Action.UPDATE, object_type=plan.model._meta.label_lower,
                          object_id=str(row.pk), object_repr=str(row), before=before,
                          after=snapshot(row)) for row, before in plan.changed])


def catalog_import(document: Document) -> Report:
    """Write the document's catalog (see the module's docstring); raises CatalogRefused
    (nothing written) when it cannot be written as a whole."""
    reader = _Reader()
    report = Report(rows=len(document.menus) + len(document.groups) + len(document.policies))
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
        _foreign(reader, document.menus, menus, lambda row: row.tenant_id, tenant, "menu")
        _foreign(reader, document.groups, groups, lambda row: row.tenant_id, tenant, "group")
        _foreign(reader, document.policies, policies, lambda row: row.group.tenant_id, tenant,
                 "policy")
        _taken(reader, document.menus, {
            (None, key): pk for pk, key in Menu.objects.filter(tenant=tenant)
            .values_list("id", "key")}, lambda entry: None, "menu")
        _taken(reader, document.groups, {
            (None, key): pk for pk, key in AccessPolicyGroup.objects.filter(tenant=tenant)
            .values_list("id", "key")}, lambda entry: None, "group")
        _taken(reader, document.policies, {
            (group, key): pk for pk, group, key in AccessPolicy.objects.filter(
                group__tenant=tenant).values_list("id", "group_id", "key")},
            lambda entry: entry.parent, "policy")
        if reader.errors:
            raise CatalogRefused(reader.errors)
        plans = [
            (_plan(Menu, document.menus, lambda e: {
                "tenant_id": tenant.id, "key": e.key, "name": e.name, "parent_id": e.parent,
                "position": e.position}, menus)),
            (_plan(AccessPolicyGroup, document.groups, lambda e: {
                "tenant_id": tenant.id, "key": e.key, "name": e.name,
                "position": e.position}, groups)),
            (_plan(AccessPolicy, document.policies, lambda e: {
                "group_id": e.parent, "key": e.key, "name": e.name, "position": e.position},
                policies)),
        ]
        for plan in plans:
            _write(plan)
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
