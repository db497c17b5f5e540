"""What a member (an identity in a tenant) is given of its tenant's back-office catalog: its
menus (some of them defaults) and its access policies. Each set is replaced as a whole; ids
outside the tenant's catalog, or a default not among the menus, are refused (422) before
anything is written. A change leaves one change record on the member's back-office state
(`backoffice.memberbackoffice`, the member id) with the whole state before and after."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import QuerySet

from audit.models import AuditContext, ChangeRecord
from audit.services import Change, audited, record, record_bulk
from backoffice.models import AccessPolicy, MemberAccessPolicy, MemberBackOffice, MemberMenu, Menu
from backoffice.queries import state_of
from identities.errors import UnprocessableError
from identities.models import Member

Action = ChangeRecord.Action
OBJECT_TYPE = MemberBackOffice._meta.label_lower




def _unique(ids: Iterable[int]) -> list[int]:
    """The ids in the order given, each once."""
    return list(dict.fromkeys(ids))


def _outside(found: Iterable[int], wanted: Sequence[int]) -> list[int]:
    known = set(found)
    return [pk for pk in wanted if pk not in known]


def _ids_text(ids: Sequence[int]) -> str:
    return ", ".join(str(pk) for pk in ids)


def _locked(member: Member) -> Member:
    """The member row locked (PostgreSQL), so that two sets of one member run one by one.
    Only that row (`of=("self",)`): the joined tenant and identity are read, not locked, or a
    set would wait for an identity that an identity update holds while it waits for this
    member (a deadlock)."""
    return (Member.objects.select_for_update(of=("self",))
            .select_related("tenant", "identity").get(pk=member.pk))


def _record(member: Member, before: dict) -> bool:
    after = state_of(member.pk)
    if after == before:
        return False
    record(action=Action.UPDATE, object_type=OBJECT_TYPE, object_id=str(member.pk),
           object_repr=str(member), before=before, after=after)
    return True


def member_menus_set(*, member: Member, menu_ids: Sequence[int],
                     default_menu_ids: Sequence[int],
                     context: AuditContext | None = None) -> bool:
    """Replace the member's menus by `menu_ids`, `default_menu_ids` (each among them, in the
    order given; the first is `DefaultMenuId`) its defaults. Ids repeated count once. Answers
    whether anything changed (unchanged: nothing written, no record)."""
    menu_ids, default_menu_ids = _unique(menu_ids), _unique(default_menu_ids)
    strays = [pk for pk in default_menu_ids if pk not in set(menu_ids)]
    if strays:
        raise UnprocessableError("DefaultMenuIds", f"A default menu must be among MenuIds: "
                                                   f"{_ids_text(strays)} is not.")
    outside = _outside(Menu.objects.filter(tenant_id=member.tenant_id, id__in=menu_ids)
                       .values_list("id", flat=True), menu_ids)
    if outside:
        raise UnprocessableError("MenuIds", f"No menu of the tenant has the id "
                                            f"{_ids_text(outside)}.")
    ranks = {pk: rank for rank, pk in enumerate(default_menu_ids)}
    with transaction.atomic(), audited(context):
        member = _locked(member)
        before = state_of(member.pk)
        if before["menu_ids"] == sorted(menu_ids) and before["default_menu_ids"] == (
                default_menu_ids):
            return False
        wanted = set(menu_ids)
        current = {row.menu_id: row for row in MemberMenu.objects.filter(member=member)}
        if set(current) - wanted:
            MemberMenu.objects.filter(member=member).exclude(menu_id__in=wanted).delete()
        changed = []
        for pk, row in current.items():
            if pk in wanted and row.default_rank != ranks.get(pk):
                row.default_rank = ranks.get(pk)
                changed.append(row)
        MemberMenu.objects.bulk_update(changed, ["default_rank"])
        MemberMenu.objects.bulk_create(
            MemberMenu(member=member, menu_id=pk, default_rank=ranks.get(pk))
            for pk in menu_ids if pk not in current)
        return _record(member, before)


def member_policies_set(*, member: Member, policy_ids: Sequence[int],
                        context: AuditContext | None = None) -> bool:
    """Replace the member's access policies by `policy_ids` (of its tenant's groups). Answers
    whether anything changed."""
    policy_ids = _unique(policy_ids)
    outside = _outside(AccessPolicy.objects.filter(group__tenant_id=member.tenant_id,
                                                   id__in=policy_ids)
                       .values_list("id", flat=True), policy_ids)
    if outside:
        raise UnprocessableError("AccessPolicyIds", f"No access policy of the tenant has the "
                                                    f"id {_ids_text(outside)}.")
    with transaction.atomic(), audited(context):
        member = _locked(member)
        before = state_of(member.pk)
        if before["access_policy_ids"] == sorted(policy_ids):
            return False
        MemberAccessPolicy.objects.filter(member=member).exclude(
            policy_id__in=policy_ids).delete()
        have = set(before["access_policy_ids"])
        MemberAccessPolicy.objects.bulk_create(
            MemberAccessPolicy(member=member, policy_id=pk)
            for pk in policy_ids if pk not in have)
        return _record(member, before)


# --- a member or identity deleted: its grants go with it, recorded ------------------------------

def members_deleting(identity_ids: QuerySet) -> None:
    """Before identities go (identities.services.hooks): one change record per member of theirs that
    has menus or policies, its state before and none after, and those rows deleted (five
    queries when one has; two when none)."""
    members = Member.objects.filter(identity_id__in=identity_ids).values("pk")
    _release(members)


def member_deleting(sender, instance: Member, **kwargs) -> None:
    """A member deleted one by one (the admin): as `members_deleting`."""
    _release(Member.objects.filter(pk=instance.pk).values("pk"))


def _release(members: QuerySet) -> None:
    states: dict[int, dict] = {}
    menus = MemberMenu.objects.filter(member_id__in=members).order_by("menu_id")
    for member_id, menu_id, rank in menus.values_list("member_id", "menu_id", "default_rank"):
        state = states.setdefault(member_id, {"menu_ids": [], "defaults": [],
                                              "access_policy_ids": []})
        state["menu_ids"].append(menu_id)
        if rank is not None:
            state["defaults"].append((rank, menu_id))
    policies = MemberAccessPolicy.objects.filter(member_id__in=members).order_by("policy_id")
    for member_id, policy_id in policies.values_list("member_id", "policy_id"):
        states.setdefault(member_id, {"menu_ids": [], "defaults": [], "access_policy_ids": []}
                          )["access_policy_ids"].append(policy_id)
    if not states:
        return
    with audited():
        record_bulk(Change(
            action=Action.DELETE, object_type=OBJECT_TYPE, object_id=str(member_id),
            before={"menu_ids": state["menu_ids"],
                    "default_menu_ids": [pk for _, pk in sorted(state["defaults"])],
                    "access_policy_ids": state["access_policy_ids"]},
            after=None) for member_id, state in states.items())
        # gone now, so that the members' own deletion (a cascade) finds nothing to record
        MemberMenu.objects.filter(member_id__in=members).delete()
        MemberAccessPolicy.objects.filter(member_id__in=members).delete()
