"""Helpers of the back-office tests: catalog documents (the import's format) and states."""

from __future__ import annotations

from audit.models import ChangeRecord
from backoffice.importer import read_document
from backoffice.models import AccessPolicy, AccessPolicyGroup, MemberAccessPolicy, MemberMenu, Menu
from backoffice.services.catalog import catalog_upsert

BACKOFFICE_PERMS = ["backoffice.view_menu", "backoffice.view_accesspolicy",
                    "backoffice.view_membermenu", "backoffice.change_membermenu",
                    "backoffice.view_memberaccesspolicy",
                    "backoffice.change_memberaccesspolicy"]


def menu(pk: int, key: str, name: str | None = None, *children: dict) -> dict:
    return {"id": pk, "key": key, "name": name or key.title(), "children": list(children)}


def document(tenant: str = "acme", base: int = 0) -> dict:
    """A small catalog: two top menus, one with two sub-menus and a sub-sub-menu; two policy
    groups. Ids start after `base`."""
    return {
        "tenant": tenant,
        "menus": [
            menu(base + 1, "dashboard", "Dashboard"),
            menu(base + 2, "clients", "Clients",
                 menu(base + 3, "client-list", "Client list",
                      menu(base + 5, "client-export", "Export")),
                 menu(base + 4, "onboarding", "Onboarding")),
        ],
        "accessPolicyGroups": [
            {"id": base + 1, "key": "clients", "name": "Clients", "policies": [
                {"id": base + 1, "key": "read", "name": "Read"},
                {"id": base + 2, "key": "write", "name": "Write"}]},
            {"id": base + 2, "key": "admin", "name": "Administration", "policies": [
                {"id": base + 3, "key": "users", "name": "Manage users"}]},
        ],
    }


def load(doc: dict):
    return catalog_upsert(read_document(doc))


def big_document(tenant: str, base: int, menus: int) -> dict:
    """`menus` menus, ten per parent, and as many policies in groups of ten."""
    items: list[dict] = []
    for n in range(menus):
        entry = menu(base + n + 1, f"m{n}")
        if n % 10 == 0:
            items.append(entry)
        else:
            items[-1]["children"].append(entry)
    groups = [{"id": base + g + 1, "key": f"g{g}", "name": f"G{g}", "policies": [
        {"id": base + g * 10 + p + 1, "key": f"p{p}", "name": f"P{p}"} for p in range(10)]}
        for g in range(max(1, menus // 10))]
    return {"tenant": tenant, "menus": items, "accessPolicyGroups": groups}


def state() -> tuple:
    """Everything the back office and the change log hold."""
    return (sorted(Menu.objects.values_list("id", "tenant_id", "key", "name", "parent_id",
                                            "position")),
            sorted(AccessPolicyGroup.objects.values_list("id", "tenant_id", "key", "name")),
            sorted(AccessPolicy.objects.values_list("id", "group_id", "key", "name")),
            sorted(MemberMenu.objects.values_list("member_id", "menu_id", "default_rank")),
            sorted(MemberAccessPolicy.objects.values_list("member_id", "policy_id")),
            ChangeRecord.objects.count())
