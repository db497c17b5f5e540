"""Reads of the organization tree: scope, path resolution, subtrees and the role graph.

Every read here is one query whatever the depth or size: a path is one indexed lookup, a
subtree one prefix range over the materialized path, and the memberOf graph one recursive CTE.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from orgs.errors import EntityNotFoundError, ParentNotFoundError
from orgs.models import (
    Assignment,
    Organization,
    OrganizationUserObjectPermission,
    OrgUser,
    Role,
    RoleLink,
)

SUBTREE_ACCESS = "orgs.access_subtree"


def subtree_q(path: str, field: str = "path", *, include_root: bool = True) -> Q:
    """Rows whose organization path is `path` or below it (one index range).

    PostgreSQL: `LIKE 'p/%'` served by the varchar_pattern_ops index Django adds to unique
    CharFields. SQLite: LIKE ignores case there, so the byte range ['p/', 'p0') is used instead
    ('0' follows '/' in ASCII; SQLite compares BINARY).
    """
    if connection.vendor == "postgresql":
        below = Q(**{f"{field}__startswith": f"{path}/"})
    else:
        below = Q(**{f"{field}__gte": f"{path}/", f"{field}__lt": f"{path}0"})
    return (Q(**{field: path}) | below) if include_root else below


@dataclass(frozen=True)
class Scope:
    """The organization subtrees a client may reach; `roots is None` reaches everything."""

    roots: tuple[str, ...] | None

    @property
    def unrestricted(self) -> bool:
        return self.roots is None

    def covers(self, path: str) -> bool:
        if self.roots is None:
            return True
        return any(path == root or path.startswith(f"{root}/") for root in self.roots)

    def q(self, field: str = "path") -> Q:
        if self.roots is None:
            return Q()
        if not self.roots:
            return Q(pk__in=[])
        result = Q()
        for root in self.roots:
            result |= subtree_q(root, field)
        return result


EVERYTHING = Scope(roots=None)


def scope_for(identity) -> Scope:
    """All subtrees with the global `orgs.access_subtree`, else the roots granted to the client
    as guardian object permissions (one query)."""
    if identity.has_perm(SUBTREE_ACCESS):
        return EVERYTHING
    paths = sorted(
        OrganizationUserObjectPermission.objects.filter(
            user=identity,
            permission__codename="access_subtree",
            permission__content_type__app_label="orgs",
        ).values_list("content_object__path", flat=True)
    )
    roots: list[str] = []
    for path in paths:  # sorted, so an ancestor comes before its descendants
        if not any(path == r or path.startswith(f"{r}/") for r in roots):
            roots.append(path)
    return Scope(roots=tuple(roots))


def org_find(path: str, scope: Scope = EVERYTHING) -> Organization | None:
    """The organization at `path` if the scope reaches it (one query; none when out of scope)."""
    if not scope.covers(path):
        return None
    return Organization.objects.filter(path=path).first()


def org_get(path: str, scope: Scope = EVERYTHING, *, parent: bool = False) -> Organization:
    org = org_find(path, scope)
    if org is None:
        error = ParentNotFoundError if parent else EntityNotFoundError
        raise error(f"Organization {path!r} was not found.")
    return org


def role_get(org_path: str, name: str, scope: Scope = EVERYTHING, *,
             what: type = EntityNotFoundError) -> Role:
    """A role by organization path and name, the organization joined (one query)."""
    role = None
    if scope.covers(org_path):
        role = (
            Role.objects.select_related("organization")
            .filter(organization__path=org_path, name=name)
            .first()
        )
    if role is None:
        raise what(f"Role {org_path}/{name!r} was not found.")
    return role


def user_get(org_path: str, name: str, scope: Scope = EVERYTHING, *,
             what: type = EntityNotFoundError) -> OrgUser:
    """A user by organization path and name, with its identity and organization (one query)."""
    user = None
    if scope.covers(org_path):
        user = (
            OrgUser.objects.select_related("identity", "organization")
            .filter(organization__path=org_path, name=name)
            .first()
        )
    if user is None:
        raise what(f"User {org_path}/{name!r} was not found.")
    return user


def orgs_below(org: Organization | None, *, recursive: bool, scope: Scope) -> QuerySet:
    """Sub-organizations of `org` (or top-level ones): children, or the whole subtree."""
    qs = Organization.objects.filter(scope.q())
    if org is None:
        return qs if recursive else qs.filter(parent__isnull=True)
    if recursive:
        return qs.filter(subtree_q(org.path, include_root=False))
    return qs.filter(parent=org)


def users_in(org: Organization, *, recursive: bool, scope: Scope) -> QuerySet:
    qs = OrgUser.objects.filter(scope.q("organization__path"))
    if recursive:
        return qs.filter(subtree_q(org.path, "organization__path"))
    return qs.filter(organization=org)


def roles_in(org: Organization, *, recursive: bool, scope: Scope) -> QuerySet:
    qs = Role.objects.filter(scope.q("organization__path"))
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


def role_holders(role: Role, *, scope: Scope) -> QuerySet:
    """Users holding `role` directly or through a role that is (transitively) a member of it."""
    return OrgUser.objects.filter(scope.q("organization__path")).filter(
        pk__in=Assignment.objects.filter(role_id__in=roles_within(role.pk)).values("user_id")
    )


def user_roles(user: OrgUser, *, recursive: bool, scope: Scope) -> QuerySet:
    """The user's roles; with `recursive`, also the roles those are (transitively) members of."""
    qs = Role.objects.filter(scope.q("organization__path"))
    if not recursive:
        return qs.filter(assignments__user=user)
    direct = f"SELECT role_id FROM {_table(Assignment)} WHERE user_id = %s"
    user_id = OrgUser._meta.pk.get_db_prep_value(user.pk, connection)
    return qs.filter(pk__in=roles_above(direct, [user_id]))


def would_cycle(role: Role, member_of: Role) -> bool:
    """Making `role` a member of `member_of` closes a cycle when `member_of` is `role` or is
    already (transitively) a member of `role` (one query)."""
    if role.pk == member_of.pk:
        return True
    return Role.objects.filter(pk=member_of.pk, pk__in=roles_within(role.pk)).exists()
