"""Wire shapes of spec 003's BackOfficeManagement calls, named as the spec spells them; the
nested items the spec collapses are defined here and in docs/backoffice.md. Request bodies
match field names in any case and ignore unknown fields (as every DFS body)."""

from __future__ import annotations

from rest_framework import serializers

from foundation.api.fields import IgnoreUnknownFieldsMixin, StrictIntegerField

INT32 = {"min_value": -(2**31), "max_value": 2**31 - 1}
ID64 = {"min_value": 1, "max_value": 2**63 - 1}
MAX_IDS = 1000


class _Body(IgnoreUnknownFieldsMixin, serializers.Serializer):
    case_insensitive_fields = True


def ids(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=StrictIntegerField(**INT32), required=False,
                                 allow_null=True, max_length=MAX_IDS, help_text=help_text)


def audit_context_id() -> StrictIntegerField:
    return StrictIntegerField(
        **ID64, required=False, allow_null=True,
        help_text="Tessera: an audit context of a tenant the client reaches; the change "
                  "records of the write belong to it (none: an implicit context).")


class IdentityMenusSet(_Body):
    """`PATCH /v1.0/tenants/{tenantId}/identities/{identityId}/menus`: the identity's whole
    set of menus in the tenant (replaced; `[]`, null or left out: none)."""

    DefaultMenuIds = ids("Each among MenuIds (else 422); the first is the DefaultMenuId the "
                         "GET answers.")
    MenuIds = ids("Menus of the tenant's catalog (else 422); a repeated id counts once.")
    AuditContextId = audit_context_id()


class IdentityAccessPoliciesSet(_Body):
    """`PATCH /v1.0/tenants/{tenantId}/identities/{identityId}/access-policies`: the
    identity's whole set of access policies in the tenant (replaced; `[]`, null or left out:
    none)."""

    AccessPolicyIds = ids("Policies of the tenant's groups (else 422); a repeated id counts "
                          "once.")
    AuditContextId = audit_context_id()


class IdentityMenuItem(serializers.Serializer):
    """A menu given to the identity (`MenuItems`)."""

    Id = serializers.IntegerField()
    Key = serializers.CharField()
    Name = serializers.CharField()
    ParentId = serializers.IntegerField(allow_null=True, help_text="null: a top-level menu.")
    IsDefault = serializers.BooleanField(help_text="Among the identity's DefaultMenuIds.")


class IdentityMenus(serializers.Serializer):
    DefaultMenuId = serializers.IntegerField(
        allow_null=True, help_text="The first of the identity's default menus; null: none.")
    MenuItems = IdentityMenuItem(many=True, help_text="By Id; ParentId places each in the "
                                                      "tenant's tree.")


class IdentityAccessPolicies(serializers.Serializer):
    AccessPolicyIds = serializers.ListField(child=serializers.IntegerField(),
                                            help_text="Ascending.")


class MenuItem(serializers.Serializer):
    """A menu of the tenant's catalog with its sub-menus (`Menus`, recursive)."""

    Id = serializers.IntegerField()
    Key = serializers.CharField()
    Name = serializers.CharField()
    ParentId = serializers.IntegerField(allow_null=True, help_text="null: a top-level menu.")


# the tree: a menu's Children are menus (drf-spectacular answers the recursion with a $ref)
MenuItem._declared_fields["Children"] = MenuItem(many=True, help_text="The sub-menus, in "
                                                                      "their order.")


class TenantMenus(serializers.Serializer):
    Menus = MenuItem(many=True, help_text="The tenant's top-level menus, each with its "
                                          "Children.")


class AccessPolicyItem(serializers.Serializer):
    Id = serializers.IntegerField()
    Key = serializers.CharField()
    Name = serializers.CharField()


class AccessPolicyGroupItem(serializers.Serializer):
    Id = serializers.IntegerField()
    Key = serializers.CharField()
    Name = serializers.CharField()
    AccessPolicies = AccessPolicyItem(many=True)


class TenantAccessPolicies(serializers.Serializer):
    AccessPolicyGroups = AccessPolicyGroupItem(many=True)
