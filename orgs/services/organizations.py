"""Organizations: their rules (virtual parents, depth, types and the roles a type defines),
create, update and remove; and the grants that let a client reach a subtree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.models import ChangeRecord
from audit.services import Change, audited, record, record_bulk
from audit.states import raw_state, snapshot
from core.tree import subtree_q
from foundation import reach
from orgs import conf
from orgs.attributes import AttributeChanges, attributes_apply, text_check
from orgs.errors import (
    AlreadyExistsError,
    HasChildrenError,
    InvalidArgumentsError,
    OrgError,
    ParentNotNonVirtualError,
    ParentNotVirtualError,
)
from orgs.models import MAX_DEPTH, SUBTREES, Organization, OrgUser, Role
from orgs.paths import child_path, org_path_clean, segment_clean
from orgs.services.removal import remove
from orgs.services.roles import role_state

Action = ChangeRecord.Action


# --- rules (the import's bulk services apply the same) -------------------------------------------

def type_clean(org_type: str | None) -> str | None:
    """A configured organization type ("" = none), or None when not given."""
    if org_type is None:
        return None
    if org_type and org_type not in conf.organization_types():
        raise InvalidArgumentsError(
            f"Unknown organizationType {org_type[:64]!r}; configured: "
            f"{', '.join(sorted(conf.organization_types())) or 'none'}."
        )
    return org_type


def friendly_name_clean(friendly_name: str) -> str:
    text_check(friendly_name, "friendlyName", 256)
    if not friendly_name.strip():
        raise InvalidArgumentsError("friendlyName is mandatory.")
    return friendly_name


def child_virtual(parent: Organization | None, virtual: bool | None) -> bool:
    """Whether a new organization under `parent` is virtual: a virtual organization's
    children are virtual and a normal one's normal; organizations nest at most MAX_DEPTH
    levels deep. None (an import row's empty cell) follows the parent; the API and the
    services pass 001's default, false."""
    if parent is None:
        return bool(virtual)
    if virtual is None:
        virtual = parent.virtual
    if virtual and not parent.virtual:
        raise ParentNotVirtualError(
            f"Organization {parent.path!r} is not virtual: its sub-organizations cannot be.")
    if not virtual and parent.virtual:
        raise ParentNotNonVirtualError(
            f"Organization {parent.path!r} is virtual: its sub-organizations are virtual.")
    if parent.depth + 1 >= MAX_DEPTH:
        raise InvalidArgumentsError(f"Organizations nest at most {MAX_DEPTH} levels deep.")
    return virtual


def virtual_unchanged(org: Organization, virtual: bool | None) -> None:
    """An organization stays virtual or normal for its whole life."""
    if virtual is not None and virtual != org.virtual:
        raise InvalidArgumentsError(
            f"Organization {org.path!r} is {'' if org.virtual else 'not '}virtual; "
            "that cannot change.")


def type_roles_ensure(orgs: Sequence[Organization]) -> list[Role]:
    """Create the roles each organization's type defines that it does not have yet (one
    lookup, one insert and one write of change records, however many organizations)."""
    types = conf.organization_types()
    wanted = {(org.pk, name) for org in orgs for name in types.get(org.org_type, [])}
    if not wanted:
        return []
    have = set(Role.objects.filter(organization__in={pk for pk, _ in wanted})
               .values_list("organization_id", "name"))
    by_pk = {org.pk: org for org in orgs}
    new = [Role(organization=by_pk[pk], name=name) for pk, name in sorted(wanted - have)]
    Role.objects.bulk_create(new)
    record_bulk(Change(action=Action.CREATE, object_type="orgs.role", object_id=str(role.pk),
                       object_repr=str(role), after=role_state(role, member_of=[]))
                for role in new)
    return new


# --- organizations -------------------------------------------------------------------------------

def organization_create(
    *,
    parent: Organization | None,
    organization_id: str,
    friendly_name: str,
    organization_type: str | None = None,
    virtual: bool = False,
    attributes: AttributeChanges | None = None,
) -> Organization:
    """MOD001b: a top-level organization, a sub-organization or a virtual organization
    (`virtual` defaults to false, as 001 says; under a virtual parent it must be given)."""
    name = segment_clean(organization_id, "organizationId")
    friendly_name = friendly_name_clean(friendly_name)
    org_type = type_clean(organization_type)
    if org_type is None:
        org_type = conf.default_organization_type()
    virtual = child_virtual(parent, virtual)
    path = child_path(parent.path if parent else None, name)
    attrs = attributes_apply({}, attributes, conf.organization_attributes(), "organization")
    with transaction.atomic(), audited():
        if Organization.objects.filter(path=path).exists():
            raise AlreadyExistsError(f"Organization {path!r} already exists.")
        org = Organization.objects.create(
            parent=parent,
            name=name,
            path=path,
            depth=parent.depth + 1 if parent else 0,
            friendly_name=friendly_name,
            org_type=org_type,
            virtual=virtual,
            attributes=attrs,
        )
        record(action=Action.CREATE, instance=org)
        type_roles_ensure([org])
    return org


def organization_update(
    *,
    organization: Organization,
    friendly_name: str | None = None,
    organization_type: str | None = None,
    attributes: AttributeChanges | None = None,
) -> Organization:
    """MOD003b: given attributes replace, empty ones are removed, missing ones stay.
    A new type adds the roles it defines (existing roles stay)."""
    if friendly_name is not None:
        text_check(friendly_name, "friendlyName", 256)
        if not friendly_name.strip():
            raise InvalidArgumentsError("friendlyName cannot be removed.")
    org_type = type_clean(organization_type)
    with transaction.atomic(), audited():
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        before, row = snapshot(org), raw_state(org)
        org.attributes = attributes_apply(
            org.attributes, attributes, conf.organization_attributes(), "organization"
        )
        if friendly_name is not None:
            org.friendly_name = friendly_name
        if org_type is not None:
            org.org_type = org_type
        if raw_state(org) != row:  # else nothing to write
            org.save()
            record(action=Action.UPDATE, instance=org, before=before)
        type_roles_ensure([org])
    return org


@dataclass
class Removed:
    """What a removal took away, as entity paths for the `<idlist>` answer."""

    organizations: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)


def organization_delete(*, organization: Organization, recursive: bool = False) -> Removed:
    """MOD002: remove the organization with its roles, users and their assignments; with
    `recursive`, its whole subtree. A fixed number of queries whatever the subtree's size."""
    with transaction.atomic(), audited():
        if recursive:
            orgs = Organization.objects.filter(subtree_q(organization.path))
        else:
            if Organization.objects.filter(parent=organization).exists():
                raise HasChildrenError(
                    f"Organization {organization.path!r} has sub-organizations; "
                    "remove it with recursive=true."
                )
            orgs = Organization.objects.filter(pk=organization.pk)
        org_ids = orgs.values("pk")
        users = OrgUser.objects.filter(organization_id__in=org_ids)
        roles = Role.objects.filter(organization_id__in=org_ids)
        removed = Removed(
            organizations=list(orgs.order_by("path").values_list("path", flat=True)),
            roles=_paths(roles),
            users=_paths(users),
        )
        remove(orgs=orgs, roles=roles, users=users)
    return removed


def _paths(qs) -> list[str]:
    return [
        f"{org}/{name}"
        for org, name in qs.order_by("organization__path", "name").values_list(
            "organization__path", "name"
        )
    ]


# --- subtree grants ------------------------------------------------------------------------------

def subtrees_grant(*, identity, paths: list[str]) -> None:
    """Grant the subtrees at `paths` (each must exist); ValidationError names a missing one."""
    for raw in paths:
        try:
            path = org_path_clean(raw.strip("/"))
        except OrgError as error:
            raise ValidationError(error.message) from None
        organization = Organization.objects.filter(path=path).first()
        if organization is None:
            raise ValidationError(f"No organization at {path!r}.")
        subtree_grant(identity=identity, organization=organization)


def subtree_grant(*, identity, organization: Organization) -> None:
    """Let a client reach the organization's subtree (foundation.reach, audited there)."""
    reach.grant(identity, SUBTREES, organization)
