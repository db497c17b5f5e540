"""Writes of the identity role catalog: its rank (HierarchyLevel) stays dense 1..n and unique.

The rank is unique in the database but not deferrable (SQLite has no deferrable constraints),
so a swap parks the moving role at 0 (`PositiveIntegerField` allows it; no role rests there)
while its neighbour takes its place; the catalog is locked for the whole swap (an advisory lock
on PostgreSQL, then the two rows), so concurrent moves queue instead of colliding.
"""

from __future__ import annotations

from django.db import transaction

from audit.models import AuditContext, ChangeRecord
from audit.services import audited, record, record_delete
from audit.states import snapshot
from core.locks import exclusive
from identities.models import IdentityRole
from identities.services.restrictions import restrictions_forget_role

Action = ChangeRecord.Action
PARKED = 0


def identity_role_create(*, key: str, name: str) -> IdentityRole:
    """A role ranked below every other (HierarchyLevel n + 1)."""
    with transaction.atomic(), audited():
        exclusive("identities.identityrole.rank")
        last = IdentityRole.objects.order_by("-hierarchy_level").first()
        role = IdentityRole(key=key, name=name,
                            hierarchy_level=(last.hierarchy_level if last else 0) + 1)
        role.full_clean()
        role.save(force_insert=True)
        record(action=Action.CREATE, instance=role)
    return role


def identity_role_move(*, role: IdentityRole, up: bool,
                       context: AuditContext | None = None) -> IdentityRole:
    """Swap the role's rank with the one above (`up`) or below; at the top or the bottom
    nothing changes."""
    with transaction.atomic(), audited(context):
        exclusive("identities.identityrole.rank")
        current = IdentityRole.objects.select_for_update().get(pk=role.pk)
        level = current.hierarchy_level
        other = (IdentityRole.objects.select_for_update()
                 .filter(hierarchy_level=level - 1 if up else level + 1).first())
        if other is None or other.hierarchy_level == PARKED:
            return current
        befores = snapshot(current), snapshot(other)
        IdentityRole.objects.filter(pk=current.pk).update(hierarchy_level=PARKED)
        IdentityRole.objects.filter(pk=other.pk).update(hierarchy_level=level)
        IdentityRole.objects.filter(pk=current.pk).update(hierarchy_level=other.hierarchy_level)
        current.hierarchy_level, other.hierarchy_level = other.hierarchy_level, level
        record(action=Action.UPDATE, instance=current, before=befores[0])
        record(action=Action.UPDATE, instance=other, before=befores[1])
    return current


def identity_role_update(*, role: IdentityRole) -> IdentityRole:
    """Save a role's key and name as edited (the admin's form); the rank moves only by
    `identity_role_move`. Unchanged: nothing is written."""
    with transaction.atomic(), audited():
        current = IdentityRole.objects.select_for_update().get(pk=role.pk)
        role.hierarchy_level = current.hierarchy_level
        if (current.key, current.name) == (role.key, role.name):
            return role
        before = snapshot(current)
        role.full_clean()
        role.save(update_fields=["key", "name"])
        record(action=Action.UPDATE, instance=role, before=before)
    return role


def identity_role_delete(*, role: IdentityRole) -> None:
    """Delete a role no member or identity holds (PROTECT refuses otherwise) and close the
    gap in the ranks: each role below moves up one, in rank order (the unique rank holds at
    every step)."""
    with transaction.atomic(), audited():
        exclusive("identities.identityrole.rank")
        current = IdentityRole.objects.select_for_update().get(pk=role.pk)
        restrictions_forget_role(current)
        record_delete(current)
        current.delete()
        below = (IdentityRole.objects.select_for_update()
                 .filter(hierarchy_level__gt=current.hierarchy_level)
                 .order_by("hierarchy_level"))
        for other in below:
            before = snapshot(other)
            other.hierarchy_level -= 1
            other.save(update_fields=["hierarchy_level"])
            record(action=Action.UPDATE, instance=other, before=before)
