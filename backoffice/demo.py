"""Demo back-office catalog for `manage.py load_demo` (idempotent): menus and access
policies of the default tenant, through the import (the same document an operator would
give `import_backoffice`), and some of them given to alice, made a member of the default
tenant."""

from __future__ import annotations

from django.conf import settings

from backoffice.importer import read_document
from backoffice.models import AccessPolicy, AccessPolicyGroup, MemberMenu, Menu
from backoffice.services.assignments import member_menus_set, member_policies_set
from backoffice.services.catalog import catalog_upsert
from identities.models import Identity, Member, Tenant
from identities.services.tenants import member_upsert, tenant_create


def _menu(pk: int, key: str, name: str, *children: dict) -> dict:
    return {"id": pk, "key": key, "name": name, "children": list(children)}


def document() -> dict:
    return {
        "tenant": settings.TESSERA_DEFAULT_TENANT_KEY,
        "menus": [
            _menu(10, "dashboard", "Dashboard"),
            _menu(11, "clients", "Clients",
                  _menu(12, "client-list", "Client list"),
                  _menu(13, "onboarding", "Onboarding")),
            _menu(14, "portfolios", "Portfolios",
                  _menu(15, "portfolio-overview", "Overview"),
                  _menu(16, "orders", "Orders")),
            _menu(17, "administration", "Administration",
                  _menu(18, "users", "Users"),
                  _menu(19, "audit-trail", "Audit trail")),
        ],
        "accessPolicyGroups": [
            {"id": 1, "key": "clients", "name": "Clients", "policies": [
                {"id": 1, "key": "clients-read", "name": "Read clients"},
                {"id": 2, "key": "clients-write", "name": "Change clients"}]},
            {"id": 2, "key": "portfolios", "name": "Portfolios", "policies": [
                {"id": 3, "key": "portfolios-read", "name": "Read portfolios"},
                {"id": 4, "key": "orders-place", "name": "Place orders"}]},
            {"id": 3, "key": "administration", "name": "Administration", "policies": [
                {"id": 5, "key": "users-manage", "name": "Manage users"},
                {"id": 6, "key": "audit-read", "name": "Read the audit trail"}]},
        ],
    }


DEMO_USER = "alice"
DEMO_MENUS, DEMO_DEFAULTS, DEMO_POLICIES = [10, 11, 12, 14, 15], [12], [1, 3]


def _free(doc: dict) -> bool:
    """None of the demo's ids is another tenant's (a database with a catalog of its own)."""
    tenant = doc["tenant"]
    menu_ids = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
    return not (Menu.objects.filter(id__in=menu_ids).exclude(tenant__key=tenant).exists()
                or AccessPolicyGroup.objects.filter(id__in=[1, 2, 3])
                .exclude(tenant__key=tenant).exists()
                or AccessPolicy.objects.filter(id__in=range(1, 7))
                .exclude(group__tenant__key=tenant).exists())


def load(stdout) -> None:
    doc = document()
    tenant = (Tenant.objects.filter(key=doc["tenant"]).first()
              or tenant_create(key=doc["tenant"], name=settings.TESSERA_DEFAULT_TENANT_NAME))
    if Menu.objects.filter(tenant=tenant).exists() or not _free(doc):
        return  # the tenant has a catalog (the demo's, or an operator's): left alone
    report = catalog_upsert(read_document(doc))
    stdout.write(f"back-office catalog of {tenant.key}: {report.summary()}")
    identity = Identity.objects.filter(username=DEMO_USER).first()
    if identity is None:
        return
    member = (Member.objects.filter(tenant=tenant, identity=identity).first()
              or member_upsert(tenant=tenant, identity=identity))
    if not MemberMenu.objects.filter(member=member).exists():
        member_menus_set(member=member, menu_ids=DEMO_MENUS, default_menu_ids=DEMO_DEFAULTS)
        member_policies_set(member=member, policy_ids=DEMO_POLICIES)
        stdout.write(f"back-office menus and policies of {DEMO_USER} in {tenant.key}")
