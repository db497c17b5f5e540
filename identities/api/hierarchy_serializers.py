"""Wire shapes of the hierarchy calls (specs 002/003; both collapse them, so they are
defined here and in docs/identities.md "Hierarchies")."""

from __future__ import annotations

from rest_framework import serializers

from foundation.api.fields import IgnoreUnknownFieldsMixin, StrictIntegerField
from foundation.api.schema import REQUIRED_BODY
from identities.api.dfs_serializers import INT32, IdentityRoleItem

MAX_RESTRICTIONS = 10_000


class RoleHierarchy(serializers.Serializer):
    """`GET /v2.0/roles/{roleId}/hierarchy`."""

    Base = IdentityRoleItem()
    HierarchyItems = IdentityRoleItem(many=True, help_text="The roles ranked below Base, "
                                                           "minus its restricted roles.")


class HierarchyMemberItem(serializers.Serializer):
    """A member in a hierarchy (`Base`, `Superiors`, `HierarchyItems`) and in the tenant's
    member listings (`GET /v2.0/members`, `GET /v1.0/identities/roles/hierarchy-level`)."""

    MemberId = serializers.IntegerField(help_text="The PersonId of the access checks.")
    IdentityId = serializers.UUIDField()
    UserName = serializers.CharField()
    FirstName = serializers.CharField(allow_null=True)
    LastName = serializers.CharField(allow_null=True)
    IsEnabled = serializers.BooleanField(help_text="Tenant access.")
    IdentityRole = IdentityRoleItem(allow_null=True, help_text="The role in this tenant "
                                                               "(with its HierarchyLevel).")


class MemberHierarchy(serializers.Serializer):
    """`GET /v2.0/members/{internalId}/hierarchy`, `GET /v1.0/identities/{identityId}/hierarchy`."""

    Superiors = HierarchyMemberItem(many=True, help_text="Members whose role ranks above.")
    Base = HierarchyMemberItem()
    HierarchyItems = HierarchyMemberItem(
        many=True, help_text="Members whose role ranks below, minus the member's restricted "
                             "members and the members of its role's restricted roles.")


class AccessCheck(IgnoreUnknownFieldsMixin, serializers.Serializer):
    """`POST /v2.0/members/{internalId}/hierarchy/access`."""

    case_insensitive_fields = True
    PersonId = StrictIntegerField(**INT32, help_text="A MemberId of the tenant; another "
                                                     "answers false.")


ROLE_IDS_BODY = {
    "type": "array",
    "description": "The complete set of restricted roles (replaces the set; `[]` clears; "
                   "duplicates collapse). Every id must name a role.",
    "items": {"type": "integer", "format": "int32"},
    "maxItems": MAX_RESTRICTIONS,
    **REQUIRED_BODY,  # a missing body is refused
}
IDENTITY_IDS_BODY = {
    "type": "array",
    "description": "The complete set of restricted sub-users by their identity id (replaces "
                   "the set; `[]` clears; duplicates collapse). Each must be a member of the "
                   "same tenant.",
    "items": {"type": "string", "format": "uuid"},
    "maxItems": MAX_RESTRICTIONS,
    **REQUIRED_BODY,  # a missing body is refused
}
