"""export_backoffice: a tenant's whole back-office catalog as the one document
import_backoffice reads (backoffice.importer), so that exporting, importing into a tenant
without a catalog and exporting again gives the same document, and importing an export into
its own tenant changes nothing. Siblings in their order (position, then id)."""

from __future__ import annotations

from typing import Any

from backoffice.models import AccessPolicyGroup, Menu
from backoffice.queries import menus_of, policy_groups_of
from core.errors import NotFoundError
from identities.models import Tenant


def catalog_document(tenant_key: str) -> dict[str, Any]:
    """The tenant's catalog (four queries); NotFoundError for an unknown tenant."""
    tenant = Tenant.objects.filter(key=tenant_key).first()
    if tenant is None:
        raise NotFoundError(f"--tenant: no tenant has the key {tenant_key!r}.")
    roots = [menu for menu in menus_of(tenant) if menu.depth == 0]
    return {"tenant": tenant.key,
            "menus": _menus(roots),
            "accessPolicyGroups": [_group(group) for group in policy_groups_of(tenant)]}


def _menus(roots: list[Menu]) -> list[dict[str, Any]]:
    """The trees below `roots` (tree_order set each menu's children), without recursion."""
    top: list[dict[str, Any]] = []
    stack = [(menu, top) for menu in reversed(roots)]
    while stack:
        menu, siblings = stack.pop()
        item = {"id": menu.id, "key": menu.key, "name": menu.name, "children": []}
        siblings.append(item)
        stack.extend((child, item["children"]) for child in reversed(menu.tree_children))
    return top


def _group(group: AccessPolicyGroup) -> dict[str, Any]:
    return {"id": group.id, "key": group.key, "name": group.name,
            "policies": [{"id": policy.id, "key": policy.key, "name": policy.name}
                         for policy in group.policies.all()]}


def entries_of(document: dict[str, Any]) -> int:
    """How many menus, groups and policies the document holds."""
    count, stack = 0, list(document["menus"])
    while stack:
        menu = stack.pop()
        count += 1
        stack.extend(menu["children"])
    return count + sum(1 + len(group["policies"]) for group in document["accessPolicyGroups"])
