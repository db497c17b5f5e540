"""What orgs adds to the effective-access panel (`audit.effective_access`): the identity's
placement in the tree, its roles — assigned, and inherited through `memberOf` (one recursive
query, `queries.roles_above`) — and, for an API client, the subtrees it reaches."""

from __future__ import annotations

from typing import Any

from django.db import connection

from audit.effective_access import Line, Section, section_register
from identities.queries.access import reach_section
from orgs.models import SUBTREES, Assignment, OrgUser, Role, RoleLink
from orgs.queries import _table, roles_above


def _placement(identity: Any) -> list[Line]:
    rows = OrgUser.objects.filter(pk=identity.pk).select_related("organization")
    return [Line(f"user of {u.organization.path} ({u.organization.friendly_name}), "
                 f"status {u.status}", record=u,
                 state="active" if identity.is_active else "disabled") for u in rows]


def _assigned(identity: Any) -> list[Line]:
    rows = Assignment.objects.filter(user_id=identity.pk).select_related(
        "role__organization").order_by("role__organization__path", "role__name")
    return [Line(f"{a.role.organization.path}/{a.role.name}", record=a, state="active")
            for a in rows]


def _inherited(identity: Any) -> list[Line]:
    """The roles its roles are (transitively) members of, not assigned themselves, each with
    the roles it is reached through: the memberOf links out of the roles above its own (one
    recursive query, `queries.roles_above`, as a subquery: one round trip)."""
    direct = f"SELECT role_id FROM {_table(Assignment)} WHERE user_id = %s"
    user_id = OrgUser._meta.pk.get_db_prep_value(identity.pk, connection)
    links = RoleLink.objects.filter(role_id__in=roles_above(direct, [user_id])).exclude(
        member_of__assignments__user_id=identity.pk).select_related(
        "role__organization", "member_of__organization").order_by(
        "member_of__organization__path", "member_of__name", "role__organization__path",
        "role__name")
    roles: dict[int, tuple[Role, list[str]]] = {}
    for link in links:
        _, through = roles.setdefault(link.member_of_id, (link.member_of, []))
        through.append(f"{link.role.organization.path}/{link.role.name}")
    return [Line(f"{role.organization.path}/{role.name}", record=role, state="active",
                 via="memberOf of " + ", ".join(through)) for role, through in roles.values()]


def sections_register() -> None:
    section_register(Section(key="placement", title="Organization (CustomerID user)",
                             lines=_placement, order=10))
    section_register(Section(key="roles", title="Roles assigned", lines=_assigned, order=11))
    section_register(Section(key="inherited roles", title="Roles inherited through memberOf",
                             lines=_inherited, order=12))
    section_register(reach_section(SUBTREES, title="Organization subtrees reached (API client)",
                                   order=64, text=lambda o: f"{o.path} ({o.friendly_name})"))
