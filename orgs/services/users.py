"""CustomerID users: the rules of their fields, their change-log state, create, update, remove.

A user is a profile (`OrgUser`) of an identity: the attributes the DFS identities carry too
(uid = username, names, email, mobile, password, sign-in) live on the identity alone (written
through identities' services), the rest on the profile (docs/identities.md, "One person, one
truth"). The rules and the
state here are the import's too (`orgs.bulk`), so an imported user is checked and recorded
exactly as one written through the API.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, is_password_usable
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction

from audit.models import ChangeRecord
from audit.services import audited, record
from audit.states import MASK, json_time, raw_state, secrets_changed
from authorisations.services.authorisations import authorisations_revoke_for_subject
from core.errors import ForbiddenError
from core.patterns import SPACE, matches
from identities.queries import usernames_taken
from identities.services.people import person_save
from orgs import conf
from orgs.attributes import AttributeChanges, attributes_apply, text_check
from orgs.errors import (
    AlreadyExistsError,
    InvalidArgumentsError,
    ParentNotNonVirtualError,
    UnauthorizedError,
)
from orgs.hetu import hetu_clean
from orgs.models import Assignment, Organization, OrgUser, status_of, uid_of
from orgs.paths import segment_clean
from orgs.services.removal import assignments_remove, remove

Action = ChangeRecord.Action
STATUSES = {choice.value for choice in OrgUser.Status}
ENABLED = OrgUser.Status.ENABLED.value


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


# --- rules ---------------------------------------------------------------------------------------

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

# The rules of the text fields, as the OpenAPI schema publishes them (orgs.api.schema).
UID = rf"^[^\x00{SPACE}]{{0,150}}$"  # no whitespace; "" removes the uid
MOBILE = r"^\+?[ -]*(?:[0-9][ -]*){3,20}$"  # an optional +, 3-20 digits, spaces and dashes
MOBILE_MAX = 32
LOCALE = r"^[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$"  # fi_FI, en, sv-SE
LOCALE_MAX = 16
EMAIL_MAX = 254
NAME_MAX = 150  # firstname, surname
PWD_MAX = 256


def user_fields_clean(data: UserFields) -> UserFields:
    """Check every given field (hetu: its format, date and check character, made canonical)."""
    if data.uid is not None:
        text_check(data.uid, "uid", 150)
        if not matches(UID, data.uid):
            raise InvalidArgumentsError("uid cannot contain whitespace.")
    if data.email:
        text_check(data.email, "email", EMAIL_MAX)
        try:
            _email_check(data.email)
        except ValidationError:
            raise InvalidArgumentsError("email is not a valid email address.") from None
    for name in ("firstname", "surname"):
        text_check(getattr(data, name) or "", name, NAME_MAX)
    if data.mobile:
        text_check(data.mobile, "mobile", MOBILE_MAX)
        if not matches(MOBILE, data.mobile):
            raise InvalidArgumentsError("mobile is not a phone number (+ and 3-20 digits).")
    if data.locale:
        text_check(data.locale, "locale", LOCALE_MAX)
        if not matches(LOCALE, data.locale):
            raise InvalidArgumentsError("locale is not a locale such as fi_FI or en.")
    if data.hetu:
        try:
            data.hetu = hetu_clean(data.hetu)
        except ValidationError as error:
            raise InvalidArgumentsError(error.messages[0]) from None
    if data.pwd:
        text_check(data.pwd, "pwd", PWD_MAX)
    if data.status is not None and data.status not in STATUSES:
        raise InvalidArgumentsError(f"status must be one of {', '.join(sorted(STATUSES))}.")
    return data


def user_name_clean(name: str) -> str:
    """A user's own segment of `user/ORGPATH/NAME` (`roles` is reserved for the role list)."""
    name = segment_clean(name, "user name")
    if name == "roles":
        raise InvalidArgumentsError("'roles' is reserved (user/…/roles lists a user's roles).")
    return name


def identity_id_of(name: str) -> uuid.UUID | None:
    """The identity id a user's name gives: the name itself when it is a canonical UUID."""
    try:
        value = uuid.UUID(name)
    except ValueError:
        return None
    return value if str(value) == name else None


def user_organization_check(organization: Organization) -> None:
    """Users belong in normal organizations, not in virtual ones."""
    if organization.virtual:
        raise ParentNotNonVirtualError(
            f"Organization {organization.path!r} is virtual: users belong in normal ones.")


def uids_free(owners: dict[str, object]) -> None:
    """Each uid (a key) is free, or already the given identity's (its value; None: a new
    user): a uid is the identity's username, unique among all identities."""
    taken = usernames_taken(owners)
    if taken:
        raise AlreadyExistsError(f"A user with uid {sorted(taken)[0]!r} already exists.")


# --- the change-log state ------------------------------------------------------------------------

def user_state(user: OrgUser) -> dict:
    """A user's state in the change log: its profile's fields and the identity's it shows.
    Its id and path are the record's own `object_id` and `object_repr` (not repeated)."""
    identity = user.identity
    return {**user_state_head(
        name=user.name, uid=uid_of(identity), mobile=identity.mobile, locale=user.locale,
        hetu=user.hetu, pwd_activated=user.pwd_activated,
        status=status_of(user.status, identity.is_active), attributes=user.attributes,
        username=identity.username, email=identity.email, first_name=identity.first_name,
        last_name=identity.last_name, is_active=identity.is_active,
        password_usable=identity.has_usable_password(),
    ), **user_state_tail(organization_id=user.organization_id, created_at=user.created_at,
                         modified_at=user.modified_at)}


def user_state_head(*, name: str, uid: str | None, mobile: str, locale: str, hetu: str,
                    pwd_activated: bool, status: str, attributes: dict, username: str,
                    email: str, first_name: str, last_name: str, is_active: bool,
                    password_usable: bool) -> dict:
    """What a user's state holds but its organization and times: all an import's reading
    process knows of a new user (it encodes this, and `user_state_tail_json` ends it)."""
    return {
        "name": name, "uid": uid, "mobile": mobile, "locale": locale,
        "hetu": MASK if hetu else hetu, "pwd_activated": pwd_activated, "status": status,
        "attributes": attributes, "username": username, "email": email,
        "first_name": first_name, "last_name": last_name, "is_active": is_active,
        "password_usable": password_usable,
    }


def user_state_tail(*, organization_id: int, created_at: datetime,
                    modified_at: datetime) -> dict:
    return {"organization": organization_id, "created_at": json_time(created_at),
            "modified_at": json_time(modified_at)}


def user_state_tail_json(organization_id: int, created_json: str) -> str:
    """`user_state_tail` of a new user (created and modified at once) as the JSON text that
    closes an encoded `user_state_head` once its last `}` is cut off."""
    return (f',"organization":{organization_id},"created_at":"{created_json}",'
            f'"modified_at":"{created_json}"}}')


# --- writes ---------------------------------------------------------------------------------------

def password_is(encoded: str, password: str) -> bool:
    """Whether `password` is what the stored hash `encoded` already says ("": no usable
    password), so that setting it changes nothing and keeps the hash. A usable hash is
    verified (Argon2: ~0.1 s); the hash is never upgraded here."""
    if not password:
        return not is_password_usable(encoded)
    return is_password_usable(encoded) and check_password(password, encoded)


def user_fields_apply(user: OrgUser, data: UserFields) -> None:
    """Set the given fields on a user and its identity (in memory): None = not given, "" =
    remove; a status given sets sign-in (enabled: on; anything else: off, the status saying
    why). No status given leaves sign-in as it is, whoever last set it."""
    identity = user.identity
    if data.uid is not None:
        identity.username = data.uid or str(identity.pk)
    if data.email is not None:
        identity.email = data.email
    if data.firstname is not None:
        identity.first_name = data.firstname
    if data.surname is not None:
        identity.last_name = data.surname
    if data.mobile is not None:
        identity.mobile = data.mobile
    for name in ("locale", "hetu"):
        if getattr(data, name) is not None:
            setattr(user, name, getattr(data, name))
    if data.pwd_hash is not None:
        identity.password = data.pwd_hash
    elif data.pwd is not None and not password_is(identity.password, data.pwd):
        # An empty password disables the password method (an unusable hash).
        identity.set_password(data.pwd or None)
    if data.pwd_activated is not None:
        user.pwd_activated = data.pwd_activated
    if data.status is not None:
        user.status = data.status
        identity.is_active = data.status == ENABLED
    user.attributes = attributes_apply(user.attributes, data.attributes, conf.user_attributes(),
                                       "user")


def user_create(
    *, organization: Organization, data: UserFields, name: str | None = None
) -> OrgUser:
    """MOD009 (and MOD004b with create=true): a user in a normal organization. Without a
    name the user gets a random UUID, which is also its identity's id (`IdentityId` of the
    DFS surface); a name that is a UUID (canonical, lower case) is the identity's id as well,
    so it must not be another identity's (AlreadyExistsError)."""
    data = user_fields_clean(data)
    user_organization_check(organization)
    identity_id = uuid.uuid4()
    if name is None:
        name = str(identity_id)
    else:
        name = user_name_clean(name)
        identity_id = identity_id_of(name) or identity_id
    identity_model = get_user_model()
    with transaction.atomic(), audited():
        if OrgUser.objects.filter(organization=organization, name=name).exists():
            raise AlreadyExistsError(f"User {organization.path}/{name} already exists.")
        if str(identity_id) == name and identity_model.objects.filter(pk=identity_id).exists():
            raise AlreadyExistsError(
                f"User {organization.path}/{name}: the id {name} is already another user's "
                "or identity's (a user named by a UUID is the identity of that id).")
        if data.uid:
            uids_free({data.uid: None})
        identity = identity_model(id=identity_id, username=data.uid or str(identity_id),
                                  kind=identity_model.Kind.PERSON)
        identity.set_unusable_password()
        user = OrgUser(identity=identity, organization=organization, name=name)
        user_fields_apply(user, data)
        person_save(identity=identity)
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
    by: object | None = None,
) -> OrgUser:
    """MOD004b: given attributes replace, empty ones are removed, missing ones stay.
    `roles_remove` removes every assignment of the user; `mandates_remove` revokes the
    authorisations in which the user is the subject and whose type is the mandate type,
    all of them or none: the client asking (`by`; None: an internal caller) must be allowed
    to revoke each (`authorisations.services.authorisations.may_revoke`), else
    UnauthorizedError and nothing of the update is written."""
    data = user_fields_clean(data)
    with transaction.atomic(), audited():
        # the user and its identity (both written), not its organization (only read)
        user = OrgUser.objects.select_for_update(of=("self", "identity")).select_related(
            "identity", "organization").get(pk=user.pk)
        before, rows = user_state(user), (raw_state(user), raw_state(user.identity))
        if data.uid:
            uids_free({data.uid: user.pk})
        user_fields_apply(user, data)
        if (raw_state(user), raw_state(user.identity)) != rows:  # else nothing to write
            person_save(identity=user.identity)
            user.save()
            # a replaced hetu or password reads "changed" (both sides would read the mask)
            after = {**user_state(user), **secrets_changed(rows[0], user),
                     **secrets_changed(rows[1], user.identity)}
            record(action=Action.UPDATE, instance=user, before=before, after=after)
        if roles_remove:
            assignments_remove(Assignment.objects.filter(user=user))
        if mandates_remove:
            _mandates_revoke(user, by)
    return user


def _mandates_revoke(user: OrgUser, by: object | None) -> int:
    """Revoke the user's mandates: authorisations (any namespace) whose subject is this user
    (a `user` subject names the identity's UUID) and whose type is the mandate type."""
    try:
        return authorisations_revoke_for_subject(
            subject_type="user",
            subject_value=str(user.pk),
            type_code=conf.mandate_type(),
            details=f"mandates.remove on user {user.organization.path}/{user.name}",
            by=by,
        )
    except ForbiddenError:
        raise UnauthorizedError(
            "mandates.remove: the user has mandates this client may not revoke (it needs "
            "AUTHORISATION_MODIFY and the namespaces that hold them); nothing was changed."
        ) from None


def user_delete(*, user: OrgUser) -> None:
    """Remove a user: its profile and assignments (with tombstones), and its identity unless
    something else holds it (identities.services.holders)."""
    with transaction.atomic(), audited():
        remove(users=OrgUser.objects.filter(pk=user.pk))
