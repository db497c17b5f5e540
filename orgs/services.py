"""Every write to the organization tree: one function per use case, in a transaction, audited.

The API, the admin and the import commands all call these. Callers resolve paths (and check the
client's scope) through `orgs.queries`; services take model instances and raise `orgs.errors`.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat

from audit.models import ChangeRecord
from audit.services import audited, record, snapshot
from audit.tombstones import state_of, tombstones, uuid_text
from authorisations.services import authorisations_revoke_for_subject
from core.tree import subtree_q
from identities import reach
from orgs import conf
from orgs.errors import (
    AlreadyExistsError,
    CycleRefusedError,
    HasChildrenError,
    InvalidArgumentsError,
    InvalidReferenceError,
    OrgError,
    ParentNotNonVirtualError,
    ParentNotVirtualError,
)
from orgs.hetu import hetu_clean
from orgs.models import (
    MAX_DEPTH,
    SUBTREES,
    Assignment,
    Organization,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
    OrgUser,
    Role,
    RoleLink,
)
from orgs.paths import child_path, org_path_clean, segment_clean
from orgs.queries import would_cycle
from orgs.removal import cascade_delete

Action = ChangeRecord.Action
MAX_VALUE = 256
MAX_VALUES = 32
# An attribute change: a list of values, or None / [] to remove the attribute.
AttributeChanges = Mapping[str, "list[str] | None"]


# --- attributes ----------------------------------------------------------------------------------


def attributes_apply(
    current: Mapping[str, list[str]], changes: AttributeChanges | None, allowed: list[str],
    what: str,
) -> dict[str, list[str]]:
    """The attributes after `changes`: only configured names; an empty value removes one."""
    result = {key: list(values) for key, values in current.items()}
    for name, values in (changes or {}).items():
        if name not in allowed:
            raise InvalidArgumentsError(f"Unknown {what} attribute {name[:64]!r}.")
        if not values:
            result.pop(name, None)
            continue
        if len(values) > MAX_VALUES:
            raise InvalidArgumentsError(f"Attribute {name!r} has more than {MAX_VALUES} values.")
        for value in values:
            if len(value) > MAX_VALUE:
                raise InvalidArgumentsError(
                    f"A value of attribute {name!r} is longer than {MAX_VALUE} characters."
                )
        result[name] = list(values)
    return result


def _text(value: str, name: str, max_length: int) -> str:
    if len(value) > max_length:
        raise InvalidArgumentsError(f"{name} is longer than {max_length} characters.")
    return value


# --- organizations -------------------------------------------------------------------------------


def _type_clean(org_type: str | None) -> str | None:
    if org_type is None:
        return None
    if org_type and org_type not in conf.organization_types():
        raise InvalidArgumentsError(
            f"Unknown organizationType {org_type[:64]!r}; configured: "
            f"{', '.join(sorted(conf.organization_types())) or 'none'}."
        )
    return org_type


def _type_roles(org: Organization) -> list[Role]:
    """Create the roles the organization's type defines that it does not have yet."""
    names = conf.organization_types().get(org.org_type, [])
    existing = set(Role.objects.filter(organization=org, name__in=names).values_list("name",
                                                                                     flat=True))
    created = []
    for name in names:
        if name not in existing:
            role = Role.objects.create(organization=org, name=name)
            record(action=Action.CREATE, instance=role, after=role_state(role))
            created.append(role)
    return created


def org_state(org: Organization) -> dict:
    return snapshot(org)


def organization_create(
    *,
    parent: Organization | None,
    organization_id: str,
    friendly_name: str,
    organization_type: str | None = None,
    virtual: bool | None = None,
    attributes: AttributeChanges | None = None,
) -> Organization:
    """MOD001b: a top-level organization, a sub-organization or a virtual organization.

    A virtual organization's children are virtual and a normal one's are normal; `virtual`
    omitted follows the parent.
    """
    name = segment_clean(organization_id, "organizationId")
    friendly_name = _text(friendly_name, "friendlyName", 256)
    if not friendly_name.strip():
        raise InvalidArgumentsError("friendlyName is mandatory.")
    org_type = _type_clean(organization_type)
    if org_type is None:
        org_type = conf.default_organization_type()
    if parent is not None:
        if virtual is None:
            virtual = parent.virtual
        if virtual and not parent.virtual:
            raise ParentNotVirtualError(
                f"Organization {parent.path!r} is not virtual: its sub-organizations cannot be."
            )
        if not virtual and parent.virtual:
            raise ParentNotNonVirtualError(
                f"Organization {parent.path!r} is virtual: its sub-organizations are virtual."
            )
        if parent.depth + 1 >= MAX_DEPTH:
            raise InvalidArgumentsError(f"Organizations nest at most {MAX_DEPTH} levels deep.")
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
            virtual=bool(virtual),
            attributes=attrs,
        )
        record(action=Action.CREATE, instance=org)
        _type_roles(org)
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
        _text(friendly_name, "friendlyName", 256)
        if not friendly_name.strip():
            raise InvalidArgumentsError("friendlyName cannot be removed.")
    org_type = _type_clean(organization_type)
    with transaction.atomic(), audited():
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        before = org_state(org)
        org.attributes = attributes_apply(
            org.attributes, attributes, conf.organization_attributes(), "organization"
        )
        if friendly_name is not None:
            org.friendly_name = friendly_name
        if org_type is not None:
            org.org_type = org_type
        org.save()
        record(action=Action.UPDATE, instance=org, before=before)
        _type_roles(org)
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
        _remove(orgs=orgs, roles=roles, users=users)
    return removed


def _paths(qs) -> list[str]:
    return [
        f"{org}/{name}"
        for org, name in qs.order_by("organization__path", "name").values_list(
            "organization__path", "name"
        )
    ]


def _remove(*, orgs=None, roles=None, users=None) -> None:
    """Tombstones, then deletes, of the given sets (each a queryset or None), in a fixed
    number of statements. Assignments and memberOf links touching them go too."""
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
    _remove_assignments(assignments)
    if users is not None:
        tombstones(
            users, object_type="orgs.orguser", object_id=uuid_text("identity_id"),
            object_repr=Concat(F("organization__path"), Value("/"), F("name")),
            state=state_of(
                OrgUser,
                username=F("identity__username"),
                email=F("identity__email"),
                first_name=F("identity__first_name"),
                last_name=F("identity__last_name"),
            ),
        )
        identity_ids = users.values("identity_id")
        cascade_delete(get_user_model(), identity_ids, skip=frozenset({OrgUser}))
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
        for grant_model in (OrganizationUserObjectPermission, OrganizationGroupObjectPermission):
            grants = grant_model.objects.filter(content_object_id__in=orgs.values("pk"))
            grants._raw_delete(grants.db)
        orgs._raw_delete(orgs.db)


# --- roles ---------------------------------------------------------------------------------------


def role_state(role: Role) -> dict:
    return {
        **snapshot(role),
        "path": f"{role.organization.path}/{role.name}",
        "memberOf": sorted(role.parent_links.values_list("member_of_id", flat=True))
        if role.pk else [],
    }


def role_put(*, organization: Organization, name: str, member_of: Role | None = None) -> Role:
    """MOD007: create the role (a member of `member_of` when given). On an existing role,
    `member_of` adds that membership; without it the role already exists."""
    name = segment_clean(name, "role name")
    with transaction.atomic(), audited():
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
            RoleLink.objects.get_or_create(role=role, member_of=member_of)
        record(action=Action.UPDATE if before else Action.CREATE, instance=role,
               before=before, after=role_state(role))
    return role


def role_delete(*, role: Role) -> None:
    """MOD008: the role, its assignments and its memberOf links."""
    with transaction.atomic(), audited():
        _remove(roles=Role.objects.filter(pk=role.pk))


# --- users ---------------------------------------------------------------------------------------

STATUSES = {choice.value for choice in OrgUser.Status}


@dataclass
class UserFields:
    """The attributes of MOD004b/MOD009: None = not given, "" = remove."""

    uid: str | None = None
    email: str | None = None
    firstname: str | None = None
    surname: str | None = None
    mobile: str | None = None
    locale: str | None = None
    hetu: str | None = None
    pwd: str | None = None
    pwd_hash: str | None = None  # an already hashed password (imports)
    pwd_activated: bool | None = None
    status: str | None = None
    attributes: AttributeChanges | None = None


class _EmailCheck(EmailValidator):
    """Django's EmailValidator with its patterns compiled once and each domain's verdict
    remembered (an import checks thousands of addresses on a few domains): the same verdicts."""

    def __init__(self):
        super().__init__()
        for name in ("user_regex", "domain_regex", "literal_regex"):
            lazy = getattr(EmailValidator, name)
            setattr(self, name, re.compile(lazy.pattern, lazy.flags))
        self._domains: dict[str, bool] = {}

    def validate_domain_part(self, domain_part: str) -> bool:
        verdict = self._domains.get(domain_part)
        if verdict is None:
            verdict = super().validate_domain_part(domain_part)
            if len(self._domains) < 10_000:
                self._domains[domain_part] = verdict
        return verdict


_email_check = _EmailCheck()
_WHITESPACE = re.compile(r"\s")  # str pattern: matches exactly the characters str.isspace() does


def _user_fields_clean(data: UserFields) -> UserFields:
    if data.uid is not None:
        _text(data.uid, "uid", 150)
        if data.uid and (data.uid != data.uid.strip() or _WHITESPACE.search(data.uid)):
            raise InvalidArgumentsError("uid cannot contain whitespace.")
    if data.email:
        _text(data.email, "email", 254)
        try:
            _email_check(data.email)
        except ValidationError:
            raise InvalidArgumentsError("email is not a valid email address.") from None
    for name in ("firstname", "surname"):
        _text(getattr(data, name) or "", name, 150)
    if data.mobile:
        _text(data.mobile, "mobile", 32)
        digits = data.mobile.replace(" ", "").replace("-", "")
        if not (digits.lstrip("+").isdigit() and 3 <= len(digits) <= 20):
            raise InvalidArgumentsError("mobile is not a phone number (+ and digits).")
    if data.locale:
        _text(data.locale, "locale", 16)
        if not all(part.isalnum() for part in data.locale.replace("-", "_").split("_")):
            raise InvalidArgumentsError("locale is not a locale such as fi_FI or en.")
    if data.hetu:
        try:
            data.hetu = hetu_clean(data.hetu)
        except ValidationError as error:
            raise InvalidArgumentsError(error.messages[0]) from None
    if data.pwd:
        _text(data.pwd, "pwd", 256)
    if data.status is not None and data.status not in STATUSES:
        raise InvalidArgumentsError(f"status must be one of {', '.join(sorted(STATUSES))}.")
    return data


def user_state(user: OrgUser) -> dict:
    identity = user.identity
    return {
        **snapshot(user),
        "path": f"{user.organization.path}/{user.name}",
        "username": identity.username,
        "email": identity.email,
        "first_name": identity.first_name,
        "last_name": identity.last_name,
        "is_active": identity.is_active,
        "password_usable": identity.has_usable_password(),
    }


def _uid_free(uid: str, identity_id) -> None:
    identity_model = get_user_model()
    if identity_model.objects.filter(username=uid).exclude(pk=identity_id).exists():
        raise AlreadyExistsError(f"A user with uid {uid!r} already exists.")


def _apply(user: OrgUser, data: UserFields) -> None:
    identity = user.identity
    if data.uid is not None:
        user.uid = data.uid or None
        identity.username = data.uid or str(identity.pk)
    if data.email is not None:
        identity.email = data.email
    if data.firstname is not None:
        identity.first_name = data.firstname
    if data.surname is not None:
        identity.last_name = data.surname
    for name in ("mobile", "locale", "hetu"):
        if getattr(data, name) is not None:
            setattr(user, name, getattr(data, name))
    if data.pwd_hash is not None:
        identity.password = data.pwd_hash
    elif data.pwd is not None:
        # An empty password disables the password method (an unusable hash).
        identity.set_password(data.pwd or None)
    if data.pwd_activated is not None:
        user.pwd_activated = data.pwd_activated
    if data.status is not None:
        user.status = data.status
    identity.is_active = user.status == OrgUser.Status.ENABLED
    user.attributes = attributes_apply(user.attributes, data.attributes, conf.user_attributes(),
                                       "user")


def user_create(
    *, organization: Organization, data: UserFields, name: str | None = None
) -> OrgUser:
    """MOD009 (and MOD004b with create=true): a user in a normal organization. Without a
    name the user gets a random UUID, which is also its identity's id."""
    data = _user_fields_clean(data)
    if organization.virtual:
        raise ParentNotNonVirtualError(
            f"Organization {organization.path!r} is virtual: users belong in normal ones."
        )
    identity_id = uuid.uuid4()
    if name is None:
        name = str(identity_id)
    else:
        name = segment_clean(name, "user name")
        if name == "roles":
            raise InvalidArgumentsError("'roles' is reserved (user/…/roles lists a user's roles).")
        with contextlib.suppress(ValueError):
            identity_id = uuid.UUID(name)
    identity_model = get_user_model()
    with transaction.atomic(), audited():
        if OrgUser.objects.filter(organization=organization, name=name).exists():
            raise AlreadyExistsError(f"User {organization.path}/{name} already exists.")
        if identity_model.objects.filter(pk=identity_id).exists():
            identity_id = uuid.uuid4()
        if data.uid:
            _uid_free(data.uid, identity_id)
        identity = identity_model(id=identity_id, username=data.uid or str(identity_id),
                                  kind="person")
        identity.set_unusable_password()
        user = OrgUser(identity=identity, organization=organization, name=name)
        _apply(user, data)
        identity.save()
        user.identity = identity
        user.save()
        record(action=Action.CREATE, instance=user, after=user_state(user))
    return user


def user_update(
    *,
    user: OrgUser,
    data: UserFields,
    roles_remove: bool = False,
    mandates_remove: bool = False,
) -> OrgUser:
    """MOD004b: given attributes replace, empty ones are removed, missing ones stay.
    `roles_remove` removes every assignment of the user; `mandates_remove` revokes the
    authorisations in which the user is the subject and whose type is the mandate type."""
    data = _user_fields_clean(data)
    with transaction.atomic(), audited():
        user = OrgUser.objects.select_for_update().select_related(
            "identity", "organization").get(pk=user.pk)
        before = user_state(user)
        if data.uid:
            _uid_free(data.uid, user.pk)
        _apply(user, data)
        user.identity.save()
        user.save()
        record(action=Action.UPDATE, instance=user, before=before, after=user_state(user))
        if roles_remove:
            _remove_assignments(Assignment.objects.filter(user=user))
        if mandates_remove:
            _mandates_revoke(user)
    return user


def _remove_assignments(assignments) -> None:
    """Tombstones, then the rows (one statement each, whatever the number)."""
    tombstones(
        assignments,
        object_repr=Concat(F("role__organization__path"), Value("/"), F("role__name"),
                           Value(" ← "), F("user__organization__path"), Value("/"),
                           F("user__name")),
    )
    assignments._raw_delete(assignments.db)


def _mandates_revoke(user: OrgUser) -> int:
    """Revoke the user's mandates: authorisations (any namespace) whose subject is this user
    (a `user` subject names the identity's UUID) and whose type is the mandate type."""
    return authorisations_revoke_for_subject(
        subject_type="user",
        subject_value=str(user.pk),
        type_code=conf.mandate_type(),
        details=f"mandates.remove on user {user.organization.path}/{user.name}",
    )


def user_delete(*, user: OrgUser) -> None:
    """Remove a user: its identity, profile and assignments (with tombstones)."""
    with transaction.atomic(), audited():
        _remove(users=OrgUser.objects.filter(pk=user.pk))


# --- assignments ---------------------------------------------------------------------------------


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


# --- scope grants --------------------------------------------------------------------------------


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
    """Let a client reach the organization's subtree (identities.reach, audited there)."""
    reach.grant(identity, SUBTREES, organization)
