"""Roles (CustomerID memberOf links between them) and role assignments."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from audit.models import ChangeRecord
from audit.services import audited, record
from audit.states import snapshot
from orgs.errors import AlreadyExistsError, CycleRefusedError, InvalidReferenceError
from orgs.models import Assignment, Organization, OrgUser, Role, RoleLink
from orgs.paths import segment_clean
from orgs.queries import would_cycle
from orgs.services.removal import remove, role_graph_lock

Action = ChangeRecord.Action


def role_state(role: Role, *, member_of: list[int] | None = None) -> dict:
    """A role's change-log state: its row, its path, the roles it is a member of (read
    unless given: a new role has none)."""
    if member_of is None:
        member_of = (sorted(role.parent_links.values_list("member_of_id", flat=True))
                     if role.pk else [])
    return {**snapshot(role), "path": f"{role.organization.path}/{role.name}",
            "memberOf": member_of}


def role_put(*, organization: Organization, name: str, member_of: Role | None = None) -> Role:
    """MOD007: create the role (a member of `member_of` when given). On an existing role,
    `member_of` adds that membership; without it the role already exists."""
    name = segment_clean(name, "role name")
    with transaction.atomic(), audited():
        if member_of is not None:
            role_graph_lock()
            # read again under the lock: removed meanwhile, it is no longer a reference
            found = Role.objects.select_related("organization").filter(pk=member_of.pk).first()
            if found is None:
                raise InvalidReferenceError(f"Role {member_of} was not found.")
            member_of = found
        role = Role.objects.select_related("organization").filter(
            organization=organization, name=name).first()
        if role is None:
            role = Role.objects.create(organization=organization, name=name)
            before = None
        elif member_of is None:
            raise AlreadyExistsError(f"Role {organization.path}/{name} already exists.")
        else:
            before = role_state(role)
        if member_of is not None:
            if would_cycle(role, member_of):
                raise CycleRefusedError(
                    f"Role {organization.path}/{name} cannot be a member of "
                    f"{member_of.organization.path}/{member_of.name}: that makes a cycle."
                )
            _, linked = RoleLink.objects.get_or_create(role=role, member_of=member_of)
            if before is not None and not linked:
                return role  # already a member: nothing changed
        record(action=Action.UPDATE if before else Action.CREATE, instance=role,
               before=before, after=role_state(role))
    return role


def role_member_of_set(*, role: Role, member_of: Iterable[Role]) -> Role:
    """The roles `role` is a member of, replaced by `member_of` (the console edits the whole
    set). Refused, with nothing changed, when a new link would close a cycle; an unchanged set
    writes nothing."""
    wanted = {other.pk for other in member_of}
    with transaction.atomic(), audited():
        role_graph_lock()
        role = Role.objects.select_related("organization").get(pk=role.pk)
        found = {other.pk: other for other in Role.objects.select_related("organization")
                 .filter(pk__in=wanted)}
        if missing := wanted - set(found):
            raise InvalidReferenceError(f"Role {sorted(missing)[0]} was not found.")
        before = role_state(role)
        current = set(before["memberOf"])
        if current == wanted:
            return role
        for other in found.values():
            if other.pk not in current and would_cycle(role, other):
                raise CycleRefusedError(
                    f"Role {role} cannot be a member of {other}: that makes a cycle.")
        RoleLink.objects.filter(role=role).exclude(member_of_id__in=wanted).delete()
        RoleLink.objects.bulk_create([RoleLink(role=role, member_of_id=pk)
                                      for pk in sorted(wanted - current)])
        record(action=Action.UPDATE, instance=role, before=before,
               after=role_state(role, member_of=sorted(wanted)))
    return role


def role_delete(*, role: Role) -> None:
    """MOD008: the role, its assignments and its memberOf links."""
    with transaction.atomic(), audited():
        remove(roles=Role.objects.filter(pk=role.pk))


def assignment_create(*, user: OrgUser, role: Role) -> Assignment:
    """MOD005: give the user the role (also a role of another organization)."""
    with transaction.atomic(), audited():
        if Assignment.objects.filter(user=user, role=role).exists():
            raise AlreadyExistsError(f"User {user} already has role {role}.")
        assignment = Assignment.objects.create(user=user, role=role)
        record(action=Action.CREATE, instance=assignment,
               object_repr=f"{role} ← {user}")
    return assignment


def assignment_delete(*, user: OrgUser, role: Role) -> None:
    """MOD006: take the role from the user."""
    with transaction.atomic(), audited():
        assignment = Assignment.objects.filter(user=user, role=role).first()
        if assignment is None:
            raise InvalidReferenceError(f"User {user} does not have role {role}.")
        before = snapshot(assignment)
        pk = assignment.pk
        assignment.delete()
        record(action=Action.DELETE, object_type="orgs.assignment", object_id=str(pk),
               before=before, object_repr=f"{role} ← {user}")
