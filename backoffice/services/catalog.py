"""Writes of single entries of a tenant's back-office catalog (the admin). Every write is in a
transaction with its change record; an unchanged save writes nothing. The whole-catalog
upsert is `backoffice.catalog_import`."""

from __future__ import annotations

from django.db import models, transaction

from backoffice.models import AccessPolicy, AccessPolicyGroup, Menu
from core.errors import InvalidInputError
from identities.services.catalogs import catalog_entry_delete, catalog_entry_save

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
