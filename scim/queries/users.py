"""The users a SCIM token sees: its organization's subtree, as SCIM Users.

A page is two queries whatever its size (the count, then the page with each user's person and
SCIM profile joined in); a user by id is one. Filters (RFC 7644 §3.4.2.2) are parsed by
scim2-filter-parser through the one walker Tessera has (`authorisations.queries.scim`), over
the attributes listed here, each with the column it reads; anything else is `invalidFilter`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest

from authorisations.queries.scim import Attr, FilterError, parse
from core.tree import subtree_q
from orgs.models import Organization, OrgUser
from scim.errors import InvalidValueError

LAST_MODIFIED = "scim_last_modified"


def _entry_type(column: str, kind: str):
    """`emails.type` / `phoneNumbers.type`: the one entry CustomerID holds is of that kind."""
    def build(op: str, value: object, now) -> Q:
        present = ~Q(**{column: ""})
        if op == "pr":
            return present
        matched = present if isinstance(value, str) and value.lower() == kind else Q(pk__in=[])
        return matched if op == "eq" else ~matched
    return build


# SCIM attribute (case-insensitive) → how it filters; `text` compares case-insensitively
# (SCIM's caseExact false), `string` exactly (ids and externalId are case-exact).
FILTERS: dict[str, Attr] = {
    "id": Attr("identity_id", "uuid"),
    "externalId": Attr("identity__scim_profile__external_id", "string", nullable=True),
    "userName": Attr("identity__username", "text"),
    "name.givenName": Attr("identity__first_name", "text"),
    "name.familyName": Attr("identity__last_name", "text"),
    "emails": Attr("identity__email", "text"),
    "emails.value": Attr("identity__email", "text"),
    "emails.type": Attr("", "string", build=_entry_type("identity__email", "work")),
    "phoneNumbers": Attr("identity__mobile", "text"),
    "phoneNumbers.value": Attr("identity__mobile", "text"),
    "phoneNumbers.type": Attr("", "string", build=_entry_type("identity__mobile", "mobile")),
    "locale": Attr("locale", "text"),
    "active": Attr("identity__is_active", "boolean"),
    "meta.created": Attr("created_at", "datetime"),
    "meta.lastModified": Attr(LAST_MODIFIED, "datetime"),
}

# sortBy (case-insensitive) → the column; the id breaks ties, so pages never overlap
SORTS: dict[str, str] = {
    "id": "identity_id",
    "externalid": "identity__scim_profile__external_id",
    "username": "identity__username",
    "name.givenname": "identity__first_name",
    "name.familyname": "identity__last_name",
    "emails": "identity__email",
    "emails.value": "identity__email",
    "phonenumbers": "identity__mobile",
    "phonenumbers.value": "identity__mobile",
    "locale": "locale",
    "active": "identity__is_active",
    "meta.created": "created_at",
    "meta.lastmodified": LAST_MODIFIED,
}


@dataclass(frozen=True)
class Page:
    total: int
    users: list[OrgUser]


def users_of(organization: Organization) -> QuerySet[OrgUser]:
    """The users of the organization's subtree, each with its person and SCIM profile."""
    return (OrgUser.objects.filter(subtree_q(organization.path, "organization__path"))
            .select_related("identity__scim_profile"))


def user_find(organization: Organization, user_id: str) -> OrgUser | None:
    """The user of that id in the subtree, or None (also for an id that is no UUID)."""
    try:
        pk = uuid.UUID(user_id)
    except ValueError:
        return None
    return users_of(organization).filter(pk=pk).first()


def sort_field(sort_by: str | None) -> str | None:
    if not sort_by:
        return None
    field = SORTS.get(sort_by.lower())
    if field is None:
        raise InvalidValueError(f"sortBy: users cannot be sorted by {sort_by[:100]!r}; "
                                f"by one of {', '.join(sorted(SORTS))}.")
    return field


def users_page(organization: Organization, *, filter: str | None = None,
               sort_by: str | None = None, descending: bool = False, start: int = 1,
               count: int = 100) -> Page:
    """The users matching `filter`, ordered by `sort_by` (else by id), from the 1-based
    `start`, at most `count` of them, and how many match in all."""
    users = users_of(organization).annotate(**{LAST_MODIFIED: Greatest(
        F("modified_at"), Coalesce(F("identity__scim_profile__modified_at"), F("modified_at")))})
    if filter:
        users = users.filter(parse(filter, FILTERS))
    field = sort_field(sort_by) or "identity_id"
    total = users.count()
    if count <= 0 or start > total:
        return Page(total, [])
    ordering = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_first=True)
    tie = "-identity_id" if descending else "identity_id"
    return Page(total, list(users.order_by(ordering, tie)[start - 1:start - 1 + count]))


__all__ = ["FILTERS", "SORTS", "FilterError", "Page", "sort_field", "user_find", "users_of",
           "users_page"]
