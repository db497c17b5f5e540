"""Writes of the hierarchy restrictions (specs 002/003): a role's forbidden sub-roles and a
member's forbidden sub-members. Each is a set replaced whole (`[]` clears), in one
transaction, the base row locked so that two replacements of one set queue; a change leaves
one change record on the base (`restricted_roles` / `restricted_members` before and after,
ids sorted), an unchanged set writes nothing. Reads: identities.queries.hierarchy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction

from audit.models import AuditContext, ChangeRecord
from audit.services import audited, record
from identities.errors import UnprocessableError
from identities.models import IdentityRole, Member, MemberRestriction, RoleRestriction

Action = ChangeRecord.Action
ROLES, MEMBERS = "restricted_roles", "restricted_members"


def _unknown(field: str, what: str, missing: Iterable) -> UnprocessableError:
    names = ", ".join(str(i) for i in sorted(missing, key=str))
    return UnprocessableError(field, f"No {what} has the id(s) {names}.")


def role_restrictions_set(*, role: IdentityRole, restricted_role_ids: Sequence[int],
                          context: AuditContext | None = None) -> bool:
    """Replace the role's restricted roles with those named (duplicates collapse). Every id
    must name a role, else 422 and nothing changes. True when the set changed."""
    wanted = set(restricted_role_ids)
    found = set(IdentityRole.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - found:
        raise _unknown("RestrictedRoleIds", "identity role", wanted - found)
    with transaction.atomic(), audited(context):
        IdentityRole.objects.select_for_update().filter(pk=role.pk).first()
        rows = RoleRestriction.objects.filter(role=role)
        current = set(rows.values_list("restricted_role_id", flat=True))
        if current == wanted:
            return False
        rows.filter(restricted_role_id__in=current - wanted).delete()
        RoleRestriction.objects.bulk_create(
            RoleRestriction(role=role, restricted_role_id=i) for i in sorted(wanted - current))
        record(action=Action.UPDATE, instance=role, before={ROLES: sorted(current)},
               after={ROLES: sorted(wanted)})
    return True


def member_restrictions_set(*, member: Member, restricted_identity_ids: Sequence,
                            context: AuditContext | None = None) -> bool:
    """Replace the member's restricted members with the members of its tenant held by the
    identities named (the wire names sub-users by their identity id; duplicates collapse).
    An identity that is no member of that tenant → 422 and nothing changes. True when the
    set changed."""
    wanted_identities = {str(i) for i in restricted_identity_ids}
    by_identity = {str(identity): pk for identity, pk in Member.objects.filter(
        tenant_id=member.tenant_id, identity_id__in=wanted_identities)
        .values_list("identity_id", "pk")}
    if wanted_identities - set(by_identity):
        raise _unknown("RestrictedIdentityIds", f"member of tenant {member.tenant_id}",
                       wanted_identities - set(by_identity))
    wanted = set(by_identity.values())
    with transaction.atomic(), audited(context):
        Member.objects.select_for_update().filter(pk=member.pk).first()
        rows = MemberRestriction.objects.filter(member=member)
        current = set(rows.values_list("restricted_member_id", flat=True))
        if current == wanted:
            return False
        rows.filter(restricted_member_id__in=current - wanted).delete()
        MemberRestriction.objects.bulk_create(
            MemberRestriction(member=member, restricted_member_id=i)
            for i in sorted(wanted - current))
        record(action=Action.UPDATE, instance=member, before={MEMBERS: sorted(current)},
               after={MEMBERS: sorted(wanted)})
    return True


def restrictions_forget_role(role: IdentityRole) -> None:
    """Before a role is deleted: the roles that restrict it lose it, each recorded (the
    cascade would drop the rows silently). Call inside the deleting transaction."""
    _forget(RoleRestriction.objects.filter(restricted_role=role).select_related("role"),
            "role", "restricted_role_id", ROLES, RoleRestriction)


def restrictions_forget_member(member: Member) -> None:
    """Before a member is removed: the members that restrict it lose it, each recorded."""
    _forget(MemberRestriction.objects.filter(restricted_member=member).select_related("member"),
            "member", "restricted_member_id", MEMBERS, MemberRestriction)


def _forget(rows, base: str, column: str, key: str, model) -> None:
    for row in rows:
        owner = getattr(row, base)
        current = set(model.objects.filter(**{base: owner}).values_list(column, flat=True))
        gone = getattr(row, column)
        row.delete()
        record(action=Action.UPDATE, instance=owner, before={key: sorted(current)},
               after={key: sorted(current - {gone})})
