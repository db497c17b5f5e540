"""Reads of the organization tree: path resolution, subtrees and the role graph.

Every read here is one query whatever the depth or size: a path is one indexed lookup, a
subtree one prefix range over the materialized path, and the memberOf graph one recursive CTE.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from core.tree import subtree_q
from foundation.reach import Reach
from orgs.errors import EntityNotFoundError, ParentNotFoundError
from orgs.models import Assignment, Organization, OrgUser, Role, RoleLink

# Which subtrees a client reaches is foundation.reach's answer (the realm orgs.models.SUBTREES);
# each read below takes that answer (`reach`; None: everything, for internal callers) and keeps
# to it: a path outside it is "not found", a list leaves its rows out.


def _covers(reach: Reach | None, path: str) -> bool:
    return reach is None or reach.covers(path)


def _within(reach: Reach | None, field: str = "path") -> Q:
    return Q() if reach is None else reach.q(field)


def org_find(path: str, reach: Reach | None = None) -> Organization | None:
    """The organization at `path` if the client reaches it (one query; none when out of
    reach)."""
    if not _covers(reach, path):
        return None
    return Organization.objects.filter(path=path).first()


def org_get(path: str, reach: Reach | None = None, *, parent: bool = False) -> Organization:
    org = org_find(path, reach)
    if org is None:
        error = ParentNotFoundError if parent else EntityNotFoundError
        raise error(f"Organization {path!r} was not found.")
    return org


def role_get(org_path: str, name: str, reach: Reach | None = None, *,
             what: type = EntityNotFoundError) -> Role:
    """A role by organization path and name, the organization joined (one query)."""
    role = None
    if _covers(reach, org_path):
        role = (
            Role.objects.select_related("organization")
            .filter(organization__path=org_path, name=name)
            .first()
        )
    if role is None:
        raise what(f"Role {org_path}/{name!r} was not found.")
    return role


def user_get(org_path: str, name: str, reach: Reach | None = None, *,
             what: type = EntityNotFoundError) -> OrgUser:
    """A user by organization path and name, with its identity and organization (one query)."""
    user = None
    if _covers(reach, org_path):
        user = (
            OrgUser.objects.select_related("identity", "organization")
            .filter(organization__path=org_path, name=name)
            .first()
        )
    if user is None:
        raise what(f"User {org_path}/{name!r} was not found.")
    return user


def orgs_below(org: Organization | None, *, recursive: bool,
               reach: Reach | None) -> QuerySet:
    """Sub-organizations of `org` (or top-level ones): children, or the whole subtree."""
    qs = Organization.objects.filter(_within(reach))
    if org is None:
        return qs if recursive else qs.filter(parent__isnull=True)
    if recursive:
        return qs.filter(subtree_q(org.path, include_root=False))
    return qs.filter(parent=org)


def users_in(org: Organization, *, recursive: bool, reach: Reach | None) -> QuerySet:
    qs = OrgUser.objects.filter(_within(reach, "organization__path"))
    if recursive:
        return qs.filter(subtree_q(org.path, "organization__path"))
    return qs.filter(organization=org)


def roles_in(org: Organization, *, recursive: bool, reach: Reach | None) -> QuerySet:
    qs = Role.objects.filter(_within(reach, "organization__path"))
    if recursive:
        return qs.filter(subtree_q(org.path, "organization__path"))
    return qs.filter(organization=org)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def roles_within(role_id: int) -> RawSQL:
    """Ids of `role` and of every role that is (transitively) a member of it: one recursive CTE.
    UNION (not UNION ALL) keeps it finite even if a cycle ever reached the table."""
    link, role = _table(RoleLink), _table(Role)
    return RawSQL(
        f"WITH RECURSIVE down(id) AS (SELECT id FROM {role} WHERE id = %s UNION "
        f"SELECT l.role_id FROM {link} l JOIN down ON l.member_of_id = down.id) "
        f"SELECT id FROM down",
        (role_id,),
    )


def roles_above(role_ids_sql: str, params: Iterable) -> RawSQL:
    """Ids of the given roles and of every role they are (transitively) members of."""
    link = _table(RoleLink)
    return RawSQL(
        f"WITH RECURSIVE up(id) AS ({role_ids_sql} UNION "
        f"SELECT l.member_of_id FROM {link} l JOIN up ON l.role_id = up.id) "
        f"SELECT id FROM up",
        tuple(params),
    )


def role_parents(role: Role, *, reach: Reach | None) -> QuerySet:
    """The roles `role` is directly a member of (its memberOf), those the client reaches."""
    return Role.objects.filter(_within(reach, "organization__path"), child_links__role=role)


def role_holders(role: Role, *, reach: Reach | None) -> QuerySet:
    """Users holding `role` directly or through a role that is (transitively) a member of it."""
    return OrgUser.objects.filter(_within(reach, "organization__path")).filter(
        pk__in=Assignment.objects.filter(role_id__in=roles_within(role.pk)).values("user_id")
    )


def user_roles(user: OrgUser, *, recursive: bool, reach: Reach | None) -> QuerySet:
    """The user's roles; with `recursive`, also the roles those are (transitively) members of."""
    qs = Role.objects.filter(_within(reach, "organization__path"))
    if not recursive:
        return qs.filter(assignments__user=user)
    direct = f"SELECT role_id FROM {_table(Assignment)} WHERE user_id = %s"
    user_id = OrgUser._meta.pk.get_db_prep_value(user.pk, connection)
    return qs.filter(pk__in=roles_above(direct, [user_id]))


def would_cycle(role: Role, member_of: Role) -> bool:
    """Making `role` a member of `member_of` closes a cycle when `member_of` is `role` or is
    already (transitively) a member of `role` (one query). Exact only for a caller holding
    `services.removal.role_graph_lock`: otherwise a link committing meanwhile is not seen."""
    if role.pk == member_of.pk:
        return True
    return Role.objects.filter(pk=member_of.pk, pk__in=roles_within(role.pk)).exists()
