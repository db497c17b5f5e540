"""A tenant's back-office catalog: its reads (the menu tree, the policy groups) and the writes
of single entries (the admin). Every write is in a transaction with its change record; an
unchanged save writes nothing. The whole-catalog upsert is `backoffice.catalog_import`."""

from __future__ import annotations

from django.db import models, transaction

from backoffice.models import AccessPolicy, AccessPolicyGroup, Menu
from core.errors import InvalidInputError
from identities.models import Tenant
from identities.services.catalogs import catalog_entry_delete, catalog_entry_save

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
