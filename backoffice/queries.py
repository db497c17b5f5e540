"""Reads of the back office: a tenant's catalog (the menu tree, the policy groups) and what a
member is given of it. Each names its query count."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from backoffice.models import (
    AccessPolicy,
    AccessPolicyGroup,
    MemberAccessPolicy,
    MemberMenu,
    Menu,
)
from identities.models import Member, Tenant

# --- the catalog -------------------------------------------------------------------------------

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



# --- what a member is given --------------------------------------------------------------------

@dataclass(frozen=True)
class MemberMenus:
    """A member's menus (the Menu rows, by id) and its defaults (in their order)."""

    menus: list[Menu]
    default_ids: list[int]

    @property
    def default_id(self) -> int | None:
        return self.default_ids[0] if self.default_ids else None


def member_menus(member: Member) -> MemberMenus:
    """One query."""
    rows = list(MemberMenu.objects.filter(member=member).select_related("menu")
                .order_by("menu_id"))
    defaults = sorted((row for row in rows if row.default_rank is not None),
                      key=lambda row: row.default_rank)
    return MemberMenus([row.menu for row in rows], [row.menu_id for row in defaults])


def member_policy_ids(member: Member) -> list[int]:
    """One query."""
    return list(MemberAccessPolicy.objects.filter(member=member).order_by("policy_id")
                .values_list("policy_id", flat=True))


def state_of(member_id: int) -> dict:
    """A member's back-office state as its change records hold it (two queries)."""
    menus = list(MemberMenu.objects.filter(member_id=member_id).values_list("menu_id",
                                                                            "default_rank"))
    return {
        "menu_ids": sorted(menu for menu, _ in menus),
        "default_menu_ids": [menu for menu, rank in sorted(
            (pair for pair in menus if pair[1] is not None), key=lambda pair: pair[1])],
        "access_policy_ids": sorted(MemberAccessPolicy.objects.filter(member_id=member_id)
                                    .values_list("policy_id", flat=True)),
    }


