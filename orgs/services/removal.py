"""Removals of whole sets (an organization's subtree with its roles, users and assignments):
tombstones first, then deletes, in a number of statements fixed by the schema, never by the
number of rows."""

from __future__ import annotations

from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Concat

from audit.tombstones import state_of, tombstones, uuid_text
from core import locks
from foundation import reach
from identities.queries import username_is_own_id
from identities.services.holders import persons_release
from orgs.models import SUBTREES, Assignment, Organization, OrgUser, Role, RoleLink

ROLE_GRAPH = "orgs.role-graph"  # the memberOf graph's one writer at a time


def role_graph_lock() -> None:
    """Wait for every other transaction that adds memberOf links or removes roles, and keep
    them waiting until this one ends. Under READ COMMITTED each statement after it sees every
    link committed so far, and no other link can appear until this transaction commits: a
    cycle check and a role's recorded state are then exact. (Why one lock for the whole graph
    and not locks on the two roles a link joins: docs/orgs.md, "Concurrent writers".)"""
    locks.exclusive(ROLE_GRAPH)


def remove(*, orgs=None, roles=None, users=None) -> None:
    """Tombstones, then deletes, of the given sets (each a queryset or None). Assignments and
    memberOf links touching them go too; users' identities go with them unless something else
    holds them (identities.services.holders.persons_release)."""
    if roles is not None:
        role_graph_lock()  # no memberOf link to a role being removed can commit meanwhile
    none = Q(pk__in=[])
    user_ids = users.values("pk") if users is not None else None
    role_ids = roles.values("pk") if roles is not None else None
    assignments = Assignment.objects.filter(
        (Q(user_id__in=user_ids) if users is not None else none)
        | (Q(role_id__in=role_ids) if roles is not None else none)
    )
    links = RoleLink.objects.filter(
        (Q(role_id__in=role_ids) | Q(member_of_id__in=role_ids)) if roles is not None else none
    )
    links._raw_delete(links.db)
    assignments_remove(assignments)
    if users is not None:
        tombstones(
            users, object_type="orgs.orguser", object_id=uuid_text("identity_id"),
            object_repr=Concat(F("organization__path"), Value("/"), F("name")),
            state=state_of(
                OrgUser,
                uid=Case(When(username_is_own_id("identity__"), then=Value(None)),
                         default=F("identity__username")),
                mobile=F("identity__mobile"),
                username=F("identity__username"),
                email=F("identity__email"),
                first_name=F("identity__first_name"),
                last_name=F("identity__last_name"),
            ),
        )
        # the placement goes; each identity too unless something else holds it (a tenant
        # membership, an authorisation naming it...: identities.services.holders), which a change
        # record then names. The profiles go last: the identities' subquery reads them.
        persons_release(ids=users.values("identity_id"), placement="CustomerID user",
                        detach=_profiles_delete, keep=frozenset({OrgUser}))
        users._raw_delete(users.db)
    if roles is not None:
        tombstones(
            roles, object_type="orgs.role", object_id=F("pk"),
            object_repr=Concat(F("organization__path"), Value("/"), F("name")),
            state=state_of(Role),
        )
        roles._raw_delete(roles.db)
    if orgs is not None:
        tombstones(
            orgs, object_type="orgs.organization", object_id=F("pk"), object_repr=F("path"),
            state=state_of(Organization),
        )
        # the grants on them are withdrawn as grants are, each with its change record
        reach.grants_of_objects_withdraw(SUBTREES, orgs)
        orgs._raw_delete(orgs.db)


def _profiles_delete(identity_ids) -> None:
    """The profiles of identities that stay (their tombstones are written already)."""
    profiles = OrgUser.objects.filter(identity_id__in=identity_ids)
    profiles._raw_delete(profiles.db)


def assignments_remove(assignments) -> None:
    """Tombstones, then the rows (one statement each, whatever the number)."""
    tombstones(
        assignments,
        object_repr=Concat(F("role__organization__path"), Value("/"), F("role__name"),
                           Value(" ← "), F("user__organization__path"), Value("/"),
                           F("user__name")),
    )
    assignments._raw_delete(assignments.db)
