"""A tenant's back-office catalog: its reads (the menu tree, the policy groups) and the writes
of single entries (the admin). Every write is in a transaction with its change record; an
unchanged save writes nothing. The whole-catalog upsert is `backoffice.catalog_import`."""

from __future__ import annotations

from django.db import models, transaction

from audit.models import ChangeRecord
from audit.services import audited, record, record_delete
from audit.states import raw_state, snapshot
from backoffice.models import AccessPolicy, AccessPolicyGroup, Menu
from core.errors import InvalidInputError
from identities.models import Tenant

Action = ChangeRecord.Action


# --- reads ---------------------------------------------------------------------------------------

def tree_order(rows: list[Menu]) -> list[Menu]:
    """Menus (of any tenants, siblings already in their order) in tree order: each parent
    before its children, each with `depth` and `tree_children` set. No recursion, so a
    deep tree cannot overflow the stack."""
    by_parent: dict[int | None, list[Menu]] = {}
    ids = {menu.id for menu in rows}
    for menu in rows:
        # a parent not among the rows (another tenant's: the services refuse it): a root
        parent = menu.parent_id if menu.parent_id in ids else None
        by_parent.setdefault(parent, []).append(menu)
    ordered: list[Menu] = []
    stack = [(menu, 0) for menu in reversed(by_parent.get(None, []))]
    while stack:
        menu, depth = stack.pop()
        menu.depth = depth
        menu.tree_children = by_parent.get(menu.id, [])
        ordered.append(menu)
        stack.extend((child, depth + 1) for child in reversed(menu.tree_children))
    return ordered


def menus_of(tenant: Tenant) -> list[Menu]:
    """The tenant's menus in tree order (siblings by position, then id): one query."""
    return tree_order(list(Menu.objects.filter(tenant=tenant).order_by("position", "id")))


def policy_groups_of(tenant: Tenant) -> list[AccessPolicyGroup]:
    """The tenant's policy groups with their policies (two queries)."""
    return list(AccessPolicyGroup.objects.filter(tenant=tenant).order_by("position", "id")
                .prefetch_related(models.Prefetch(
                    "policies", queryset=AccessPolicy.objects.order_by("position", "id"))))


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


def _group_check(policy: AccessPolicy, before: AccessPolicy | None) -> None:
    if before is not None and before.group.tenant_id != policy.group.tenant_id:
        raise InvalidInputError("A policy cannot move to a group of another tenant.")


def entry_save(*, entry: Menu | AccessPolicyGroup | AccessPolicy, created: bool):
    """Save a catalog entry edited as a whole (a menu's parent: same tenant, no cycle; an
    entry never moves to another tenant). Unchanged, nothing is written."""
    with transaction.atomic(), audited():
        before = None
        if not created:
            current = type(entry).objects.select_for_update().get(pk=entry.pk)
            if raw_state(current) == raw_state(entry):
                return entry
            if getattr(current, "tenant_id", None) not in (None, getattr(entry, "tenant_id",
                                                                           None)):
                raise InvalidInputError("A catalog entry cannot move to another tenant.")
            if isinstance(entry, AccessPolicy):
                _group_check(entry, current)
            before = snapshot(current)
        if isinstance(entry, Menu):
            _menu_check(entry)
        entry.full_clean()
        entry.save()
        record(action=Action.CREATE if created else Action.UPDATE, instance=entry,
               before=before)
    return entry


def entry_delete(*, entry: Menu | AccessPolicyGroup | AccessPolicy) -> None:
    """Delete an entry nothing refers to (sub-menus, policies of a group and members' grants
    PROTECT it: remove those first); a tombstone is kept."""
    with transaction.atomic(), audited():
        if isinstance(entry, Menu) and Menu.objects.filter(parent=entry).exists():
            raise InvalidInputError(f"Menu {entry.key} has sub-menus: move or delete them "
                                    "first.")
        if (isinstance(entry, AccessPolicyGroup)
                and AccessPolicy.objects.filter(group=entry).exists()):
            raise InvalidInputError(f"Group {entry.key} has policies: delete them first.")
        record_delete(entry)
        try:
            with transaction.atomic():
                entry.delete()
        except models.ProtectedError:
            raise InvalidInputError(f"{entry} is given to members: take it from them first."
                                    ) from None
