"""What identities adds to the effective-access panel (`audit.effective_access`): tenant
memberships, connectors' external ids, and for an API client its applications, permissions
and tenants. `reach_section` makes the section of any realm, so orgs (subtrees) and
authorisations (namespaces) register theirs the same way."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from oauth2_provider.models import Application

from audit.effective_access import Line, Section, section_register
from foundation import reach
from foundation.reach import Realm
from identities.models import TENANTS, ExternalIdentity, Identity, Member


def is_client(identity: Any) -> bool:
    """An API client's page: a service account (the owner of OAuth2 applications)."""
    return identity.kind == Identity.Kind.SERVICE


def _memberships(identity: Any) -> list[Line]:
    rows = Member.objects.filter(identity=identity).select_related(
        "tenant", "identity_role").order_by("tenant__key")
    return [Line(f"member {m.pk} of tenant {m.tenant.key}"
                 + (f" as {m.identity_role.name}" if m.identity_role else ""),
                 record=m, state="active" if m.is_enabled else "disabled") for m in rows]


def _applications(identity: Any) -> list[Line]:
    rows = Application.objects.filter(user=identity).order_by("name")
    return [Line(f"{a.name or a.client_id} (client id {a.client_id}, {a.authorization_grant_type})",
                 record=a) for a in rows]


def _external_ids(identity: Any) -> list[Line]:
    rows = ExternalIdentity.objects.filter(identity=identity).select_related(
        "connector").order_by("connector__name", "external_id")
    return [Line(f"{link.connector.name} knows it as {link.external_id} ({link.email})",
                 record=link) for link in rows]


def _label(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename} ({permission.name})"


def _permissions(identity: Any) -> list[Line]:
    """Its own model permissions (one query) and its groups' (one query)."""
    if identity.is_superuser:
        return [Line("every permission (superuser)", record=identity, state="active")]
    own = identity.user_permissions.select_related("content_type").order_by(
        "content_type__app_label", "codename")
    lines = [Line(_label(p), record=identity) for p in own]
    via = Group.permissions.through.objects.filter(group__user=identity).select_related(
        "group", "permission__content_type").order_by(
        "permission__content_type__app_label", "permission__codename")
    lines += [Line(_label(row.permission), record=row.group, via=f"group {row.group.name}")
              for row in via]
    return lines


def reach_section(realm: Realm, *, title: str, order: int,
                  text=lambda obj: str(obj)) -> Section:
    """The section of one realm for an API client: every object of it (the realm's global
    permission), or the objects granted to it or its groups, one query (plus the
    permission check, made once per identity object and shared by every realm)."""

    def lines(identity: Any) -> list[Line]:
        reached = reach.of(identity, realm)
        if reached.everything:
            return [Line(f"every {realm.name} (permission {realm.permission})",
                         record=identity, state="active")]
        suffix = " and below" if realm.tree else ""
        return [Line(f"{text(obj)}{suffix}", record=obj, state="active")
                for obj in reached.granted().order_by(realm.key)]

    return Section(key=f"reach:{realm.name}", title=title, lines=lines, order=order,
                   applies=is_client)


def sections_register() -> None:
    section_register(Section(key="memberships", title="Tenant memberships",
                             lines=_memberships, order=40))
    section_register(Section(key="external ids", title="Connectors' external user ids",
                             lines=_external_ids, order=51))
    section_register(Section(key="applications", title="OAuth2 applications (API client)",
                             lines=_applications, order=60, applies=is_client))
    section_register(Section(key="permissions", title="Permissions (API client)",
                             lines=_permissions, order=61, applies=is_client))
    section_register(reach_section(TENANTS, title="Tenants reached (API client)", order=62,
                                   text=lambda t: f"tenant {t.key} ({t.name})"))
