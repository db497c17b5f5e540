"""A SCIM User ↔ a CustomerID user and the person behind it (docs/scim.md, "The same person").

    userName                  the identity's username (CustomerID's uid)
    name.givenName/familyName first_name / last_name
    emails                    email: the primary entry's value (else the work one, the first)
    phoneNumbers              mobile: the primary entry's (else the mobile one, the first),
                              when it is a phone number CustomerID accepts
    locale                    the profile's locale, when it is one CustomerID accepts
    active                    sign-in (CustomerID status enabled / disabled); unassigned
                              while the provider leaves it so and sign-in is on
    externalId                the SCIM profile's external id
    everything else           the SCIM profile's resource, as the identity provider wrote it

Every attribute is kept as the provider last wrote it (`kept`), and a read lays the CustomerID
values over it (`resource_of`): where another surface has changed a field since, its value is
answered; where not, the provider's own spelling is (an entry's type, a phone number CustomerID
cannot hold as a mobile, …). The functions here are pure: no query, no write.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from core.patterns import matches
from orgs.models import OrgUser
from orgs.services.users import LOCALE, LOCALE_MAX, MOBILE, MOBILE_MAX, UserFields
from scim.errors import InvalidValueError
from scim.resources import ENTERPRISE_SCHEMA, USER_SCHEMA

Entries = list[dict[str, Any]]
NOT_KEPT = ("id", "meta", "password", "groups", "externalId", "schemas")


def _home(entries: Entries, preferred_type: str) -> int | None:
    """The entry CustomerID's single field holds: the primary one, else the first of the
    preferred type, else the first."""
    if not entries:
        return None
    for index, entry in enumerate(entries):
        if entry.get("primary") is True:
            return index
    for index, entry in enumerate(entries):
        if str(entry.get("type") or "").lower() == preferred_type:
            return index
    return 0


def _as_is(value: Any) -> str:
    return value if isinstance(value, str) else ""


def mobile_of(value: Any) -> str:
    """A phone number as CustomerID's mobile, or "" when it cannot be one."""
    value = _as_is(value)
    return value if len(value) <= MOBILE_MAX and matches(MOBILE, value) else ""


def locale_of(value: Any) -> str:
    value = _as_is(value)
    return value if len(value) <= LOCALE_MAX and matches(LOCALE, value) else ""


def _home_value(entries: Entries, preferred_type: str, stored: Callable[[Any], str]) -> str:
    index = _home(entries, preferred_type)
    return "" if index is None else stored(entries[index].get("value"))


def _reconciled(entries: Entries, current: str, preferred_type: str,
                stored: Callable[[Any], str]) -> Entries:
    """The entries as written, with the home entry's value replaced by CustomerID's when
    another surface changed it (removed when it was cleared, added when there was none)."""
    entries = [dict(entry) for entry in entries]
    index = _home(entries, preferred_type)
    if _home_value(entries, preferred_type, stored) == current:
        return entries
    if index is None:
        return [{"value": current, "type": preferred_type, "primary": True}]
    if current:
        entries[index]["value"] = current
    else:
        del entries[index]
    return entries


def kept(resource: dict[str, Any]) -> dict[str, Any]:
    """What the SCIM profile keeps of a resource (a SCIM dump): everything but what is the
    service's own (id, meta, groups), the password (never kept) and the external id (a column
    of its own)."""
    return {key: value for key, value in resource.items() if key not in NOT_KEPT}


def resource_of(user: OrgUser, *, location: str) -> dict[str, Any]:
    """The user as a SCIM User (a JSON dict, `meta` included): the kept resource with the
    CustomerID values laid over it. Reads the profile through `identity.scim_profile` (select
    it with the user)."""
    identity = user.identity
    profile = getattr(identity, "scim_profile", None)
    doc = copy.deepcopy(profile.resource) if profile is not None else {}
    doc["schemas"] = [USER_SCHEMA] + ([ENTERPRISE_SCHEMA] if ENTERPRISE_SCHEMA in doc else [])
    doc["id"] = str(user.pk)
    if profile is not None and profile.external_id:
        doc["externalId"] = profile.external_id
    doc["userName"] = identity.username
    name = {key: value for key, value in (doc.get("name") or {}).items()
            if key not in ("givenName", "familyName")}
    if identity.first_name:
        name["givenName"] = identity.first_name
    if identity.last_name:
        name["familyName"] = identity.last_name
    doc.pop("name", None)
    if name:
        doc["name"] = name
    if sent := _reconciled(doc.get("emails") or [], identity.email, "work", _as_is):
        doc["emails"] = sent
    else:
        doc.pop("emails", None)
    if sent := _reconciled(doc.get("phoneNumbers") or [], identity.mobile, "mobile", mobile_of):
        doc["phoneNumbers"] = sent
    else:
        doc.pop("phoneNumbers", None)
    if locale_of(doc.get("locale")) != user.locale:
        doc.pop("locale", None)
        if user.locale:
            doc["locale"] = user.locale
    if profile is None or "active" in doc or not identity.is_active:
        doc["active"] = identity.is_active  # unassigned only while the provider leaves it so
    modified = max(user.modified_at, profile.modified_at) if profile else user.modified_at
    doc["meta"] = {"resourceType": "User", "created": _instant(user.created_at),
                   "lastModified": _instant(modified), "location": location,
                   "version": version_of(doc)}
    return doc


def version_of(doc: dict[str, Any]) -> str:
    """A weak entity tag of the resource's content (`meta` left out): any change of what a
    read answers, through any surface, changes it."""
    content = {key: value for key, value in doc.items() if key != "meta"}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"),
                                       ensure_ascii=False).encode()).hexdigest()
    return f'W/"{digest[:24]}"'


def _instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def fields_of(resource: dict[str, Any], *, active_now: bool | None,
              active_removed: bool = False) -> UserFields:
    """The CustomerID fields a written resource (a SCIM dump) gives, every one of them (a
    resource replaces the user): "" clears. `active` changes the status only when it differs
    from sign-in now (`active_now`; None for a new user), so that a user locked or pending
    through CustomerID keeps that word while the provider keeps saying `active: false`. No
    `active` leaves sign-in as it is, unless a PATCH removed it (`active_removed`): then it is
    unassigned, and a user is enabled by default."""
    if not resource.get("userName"):
        raise InvalidValueError("userName is required and cannot be empty.")
    name = resource.get("name") or {}
    active = resource.get("active")
    if active is None and active_removed:
        active = True
    status = None
    if active is not None and active != active_now:
        status = OrgUser.Status.ENABLED.value if active else OrgUser.Status.DISABLED.value
    return UserFields(
        uid=resource["userName"],
        firstname=_as_is(name.get("givenName")),
        surname=_as_is(name.get("familyName")),
        email=_home_value(resource.get("emails") or [], "work", _as_is),
        mobile=_home_value(resource.get("phoneNumbers") or [], "mobile", mobile_of),
        locale=locale_of(resource.get("locale")),
        status=status,
        pwd=resource.get("password") or None,
    )
