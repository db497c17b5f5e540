"""Reads about identities that more than one context asks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q

from audit.tombstones import uuid_text
from foundation.bulk.write import one_of
from identities.models import Identity, IdentityRole


def usernames_taken(owners: Mapping[str, Any]) -> set[str]:
    """The usernames (keys) already held by an identity other than the one each may belong
    to (its value: an identity id, or None when the name is to be new). One query whatever
    the number: a service asks for one name, a bulk import for a batch's."""
    if not owners:
        return set()
    held = Identity.objects.filter(one_of("username", owners)).order_by()
    return {username for username, pk in held.values_list("username", "pk")
            if owners[username] is None or str(pk) != str(owners[username])}


def username_is_own_id(prefix: str = "") -> Q:
    """The identity's username is its own id: a person created without a login name of its
    own (a CustomerID user without uid). `prefix` leads to the identity ("identity__")."""
    return Q(**{f"{prefix}username": uuid_text(f"{prefix}id")})


def identity_role_default() -> IdentityRole | None:
    """The role a new member takes when its create names none (`IdentityRoleId` missing or 0,
    what a .NET client sends unset): the bottom of the catalog's ranking, the least-privileged
    role, the same in every tenant since the catalog is one; None with an empty catalog."""
    return IdentityRole.objects.order_by("-hierarchy_level").first()
