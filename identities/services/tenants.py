"""Writes of tenants and their members (specs 002/003): tenants, the tenant-access PATCH, member
sync, and the membership an identity's create or update makes. One function, `member_upsert`,
behind the memberships: it makes the member when missing and changes only what it is given. A
member is never deleted by the surfaces: audit contexts name member ids, so a member without
access is disabled (`member_remove` is the console's)."""


from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.models import AuditContext, ChangeRecord
from audit.services import audit_context_create, audited, record, record_delete
from audit.states import raw_state, snapshot
from identities.errors import UnprocessableError
from identities.models import Identity, IdentityRole, Member, Tenant
from identities.services.restrictions import restrictions_forget_member

Action = ChangeRecord.Action

UNSET: Any = object()  # a value not given (None is a value: no role)


def member_upsert(
    *,
    tenant: Tenant,
    identity: Identity,
    role_id: int | object | None = UNSET,
    is_enabled: bool | object = UNSET,
    context: AuditContext | None = None,
) -> Member:
    """The identity's member of `tenant`, made when missing (with the identity's home role
    unless `role_id` is given, enabled unless `is_enabled` is given), else changed where the
    values given differ. Recorded; an unchanged member writes nothing."""
    if role_id is not UNSET and role_id is not None and not IdentityRole.objects.filter(
            pk=role_id).exists():
        raise UnprocessableError("IdentityRoleId", f"No identity role has the id {role_id}.")
    with transaction.atomic(), audited(context):
        member = (Member.objects.select_for_update()
                  .filter(tenant=tenant, identity=identity).first())
        if member is None:
            member = Member(
                tenant=tenant, identity=identity,
                identity_role_id=identity.identity_role_id if role_id is UNSET else role_id,
                is_enabled=True if is_enabled is UNSET else is_enabled)
            try:
                with transaction.atomic():
                    member.save(force_insert=True)
            except IntegrityError:  # a concurrent call made it first: change that one
                member = Member.objects.select_for_update().get(tenant=tenant,
                                                                identity=identity)
            else:
                record(action=Action.CREATE, instance=member)
                return member
        before_raw, before = raw_state(member), snapshot(member)
        if role_id is not UNSET:
            member.identity_role_id = role_id
        if is_enabled is not UNSET:
            member.is_enabled = is_enabled
        if raw_state(member) != before_raw:
            member.save(update_fields=["identity_role_id", "is_enabled"])
            record(action=Action.UPDATE, instance=member, before=before)
    return member


@dataclass(frozen=True)
class ContextRequest:
    """The `Context` of a sync: an existing context, or what to open one with."""

    context: AuditContext | None = None
    created_by: str | None = None
    authorized_app_id: str | None = None


def member_sync(
    *,
    tenant: Tenant,
    identity: Identity,
    role_id: int | object | None = UNSET,
    is_enabled: bool | object = UNSET,
    context: ContextRequest = ContextRequest(),
) -> tuple[Member, AuditContext]:
    """Both sync routes (002 `…/members/{internalUserId}/sync`, 003
    `…/identities/{identityId}/sync-member`): the identity's member of the tenant, made when
    missing, with the overrides given. Idempotent: a repeated sync changes nothing. Runs under
    the context named, or one opened in the tenant (its id is answered)."""
    with transaction.atomic():
        chosen = context.context or audit_context_create(
            tenant=tenant, created_by=context.created_by,
            authorized_app_id=context.authorized_app_id, internal_ids=[str(identity.pk)])
        member = member_upsert(tenant=tenant, identity=identity, role_id=role_id,
                               is_enabled=is_enabled, context=chosen)
    return member, chosen


def tenant_default() -> Tenant:
    return tenant_by_key(settings.TESSERA_DEFAULT_TENANT_KEY)


def tenant_by_key(key: str) -> Tenant:
    try:
        return Tenant.objects.get(key=key)
    except Tenant.DoesNotExist:
        raise ValidationError(f"Unknown tenant {key!r}.") from None


def tenant_ensure(*, key: str, name: str | None = None) -> tuple[Tenant, bool]:
    """The tenant `key`, created when missing (named `name`, else its key); an existing one
    takes `name` when given. Idempotent. True when it was created."""
    existing = Tenant.objects.filter(key=key).first()
    if existing is None:
        return tenant_create(key=key, name=name or key), True
    if name:
        tenant_update(tenant=existing, name=name)
    return existing, False


def tenant_create(*, key: str, name: str) -> Tenant:
    tenant = Tenant(key=key, name=name)
    tenant.full_clean()
    with transaction.atomic():
        tenant.save()
        record(action=Action.CREATE, instance=tenant)
    return tenant


def tenant_update(*, tenant: Tenant, name: str) -> Tenant:
    with transaction.atomic():
        current = Tenant.objects.select_for_update().get(pk=tenant.pk)
        before = snapshot(current)
        tenant.name = name
        tenant.full_clean()
        if current.name == name:
            return tenant  # nothing changed
        tenant.save(update_fields=["name"])
        record(action=Action.UPDATE, instance=tenant, before=before)
    return tenant


def member_add(*, tenant: Tenant, identity: Identity) -> Member:
    with transaction.atomic():
        member, created = Member.objects.get_or_create(tenant=tenant, identity=identity)
        if created:
            record(action=Action.CREATE, instance=member)
    return member


def member_remove(*, member: Member) -> None:
    with transaction.atomic():
        restrictions_forget_member(member)
        record_delete(member)
        member.delete()
