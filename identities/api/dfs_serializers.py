"""Wire shapes of the DFS identity, role and member calls (specs 002/003), named as the specs
spell them. Every nested object the specs leave collapsed is defined here and in
docs/identities.md. Request bodies match field names in any case and ignore unknown fields
(as the vendor does)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_default_password_validators,
)
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.patterns import BASE64, USERNAME, USERNAME_MAX_LENGTH
from foundation.api.fields import (
    IgnoreUnknownFieldsMixin,
    StrictCharField,
    StrictIntegerField,
    StrictUUIDField,
    WholeMatch,
)
from identities.queries.search import SEARCH_BY, SORT_FIELDS

INT32 = {"min_value": -(2**31), "max_value": 2**31 - 1}
ID64 = {"min_value": 1, "max_value": 2**63 - 1}
MAX_IDS = 1000
SORT_ORDERS = ["Ascending", "Descending"]
SORT_BY = ["FirstName", "LastName", "UserName", "Email", "MemberId"]
IDENTITY_SORT_BY = list(SORT_FIELDS)


class StrictBooleanField(serializers.BooleanField):
    """A boolean that must arrive as JSON true or false (DRF alone takes "yes", 1, …)."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


def text(max_length: int, **kwargs) -> StrictCharField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", True)
    kwargs.setdefault("allow_blank", True)
    return StrictCharField(max_length=max_length, **kwargs)


def ref(**kwargs) -> StrictIntegerField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", True)
    return StrictIntegerField(**INT32, **kwargs)


def flag(help_text: str = "") -> StrictBooleanField:
    return StrictBooleanField(required=False, default=False, help_text=help_text)


def password_min_length() -> int | None:
    """The length Django's MinimumLengthValidator asks of a password, when it is configured
    (AUTH_PASSWORD_VALIDATORS), for the schema to state."""
    lengths = [validator.min_length for validator in get_default_password_validators()
               if isinstance(validator, MinimumLengthValidator)]
    return max(lengths, default=None)


@extend_schema_field({"type": "string", "format": "email", "maxLength": 254})
class EmailText(StrictCharField):
    """An email address (checked by the service with Django's EmailValidator)."""


class _Body(IgnoreUnknownFieldsMixin, serializers.Serializer):
    """Field names match in any case; unknown fields are ignored, as the vendor does."""

    case_insensitive_fields = True


class _Attributes(_Body):
    """The attributes of an identity both create and update carry."""

    FirstName = text(150)
    LastName = text(150)
    SalutationId = ref()
    Email = EmailText(max_length=254, required=False, allow_null=True, allow_blank=True)
    Description = text(1000)
    Phone = text(32, help_text="Free text, e.g. `41|522672742` (country code | number).")
    Fax = text(32)
    Mobile = text(32)
    Url = text(500)
    BankBranchId = ref()
    ExternalId = text(100, help_text="Unique when set.")
    AuditContextId = StrictIntegerField(
        **ID64, required=False, allow_null=True,
        help_text="An audit context of a tenant the client reaches; the write's change "
                  "records belong to it.")


class IdentityCreate(_Attributes):
    """`POST /v1.0/identities` (`Username` and `UserName` both match)."""

    IdentityRoleId = ref(help_text="The role of the new member of the client's default "
                                   "tenant; missing, null or 0: the default role, the "
                                   "lowest-ranked of the catalog.")
    Username = StrictCharField(max_length=USERNAME_MAX_LENGTH,
                               validators=[WholeMatch(USERNAME)], help_text="Unique.")
    Password = text(128, min_length=password_min_length(), allow_blank=False,
                    help_text="Checked by the password rules (AUTH_PASSWORD_VALIDATORS: at "
                              "least minLength characters, not too common, not too similar "
                              "to the other attributes, not all digits); null or left out: "
                              "no password.")


class IdentityUpdate(_Attributes):
    """`PATCH /v1.0/identities/{identityId}`: a value changes only when its flag is true; a
    true flag with a null value clears it."""

    IdentityRoleId = ref(help_text="The role in the client's default tenant (and the "
                                   "identity's home role); null clears.")
    UserName = StrictCharField(max_length=USERNAME_MAX_LENGTH,
                               validators=[WholeMatch(USERNAME)], required=False,
                               allow_null=True)
    OldPassword = text(128)
    Password = text(128)
    ConfirmPassword = text(128)
    IsSignInEnabled = StrictBooleanField(required=False)
    IsTenantAccessEnabled = StrictBooleanField(
        required=False, help_text="Access to the client's default tenant.")
    UpdateFirstName = flag()
    UpdateLastName = flag()
    UpdateSalutationId = flag()
    UpdateEmail = flag()
    UpdateDescription = flag()
    UpdatePhone = flag()
    UpdateFax = flag()
    UpdateMobile = flag()
    UpdateUrl = flag()
    UpdateBankBranchId = flag()
    UpdateIdentityRoleId = flag()
    UpdateExternalId = flag()
    UpdateUserName = flag()
    SetNewPassword = flag("Password must equal ConfirmPassword.")
    ChangePassword = flag("As SetNewPassword, and OldPassword must verify.")
    UpdateIsSignInEnabled = flag()
    UpdateIsTenantAccessEnabled = flag()


class IdentityCreated(serializers.Serializer):
    IdentityId = serializers.UUIDField()


class IdentityRoleItem(serializers.Serializer):
    """A role of the catalog (`GET /v2.0/roles`, an identity's `IdentityRole`)."""

    Id = serializers.IntegerField()
    Key = serializers.CharField()
    Name = serializers.CharField()
    HierarchyLevel = serializers.IntegerField(help_text="1 = top; dense 1..n.")


class IdentityProviderItem(serializers.Serializer):
    Id = serializers.IntegerField()
    Name = serializers.CharField()


class BankBranchItem(serializers.Serializer):
    Id = serializers.IntegerField()
    Name = serializers.CharField()
    CountryId = serializers.IntegerField(allow_null=True)


def _out_text(**kwargs):
    return serializers.CharField(allow_null=True, **kwargs)


class _PersonItem(serializers.Serializer):
    """Attributes an identity and a member answer alike; empty text answers null."""

    IdentityId = serializers.UUIDField()
    UserName = serializers.CharField()
    FirstName = _out_text()
    LastName = _out_text()
    SalutationId = serializers.IntegerField(allow_null=True)
    Email = _out_text()
    Description = _out_text()
    Phone = _out_text()
    Fax = _out_text()
    Mobile = _out_text()
    Url = _out_text()
    ExternalId = _out_text()
    BankBranch = BankBranchItem(allow_null=True)
    AssignedContactsCount = serializers.IntegerField(help_text="Contacts are not modelled: 0.")


class IdentityItem(_PersonItem):
    """`GET /v1.0/identities/{identityId}`; the member fields are of the client's default
    tenant (null / false when the identity is no member of it)."""

    MemberId = serializers.IntegerField(allow_null=True)
    IdentityProviderSettingId = serializers.IntegerField(allow_null=True)
    IdentityRole = IdentityRoleItem(allow_null=True)
    IdentityProvider = IdentityProviderItem(allow_null=True)
    IsSignInEnabled = serializers.BooleanField()
    IsTenantAccessEnabled = serializers.BooleanField()


class MemberItem(_PersonItem):
    """A member (`GET /v1.0/members/{memberId}`, search `Results`, active `Filtered`)."""

    MemberId = serializers.IntegerField()
    TenantId = serializers.IntegerField()
    IdentityRole = IdentityRoleItem(allow_null=True)
    IsSignInEnabled = serializers.BooleanField()
    IsEnabled = serializers.BooleanField(help_text="Tenant access.")
    IsActive = serializers.BooleanField(help_text="Sign-in and tenant access both enabled.")


class TenantAccess(_Body):
    """`PATCH /v1.0/tenants/{tenantId}/identities/{identityId}/access`."""

    TenantId = StrictIntegerField(**INT32, required=False,
                                  help_text="Must equal the path's tenantId when given.")
    IdentityRoleId = ref(help_text="Null keeps the member's role (a new member takes the "
                                   "identity's home role).")
    IsEnabled = StrictBooleanField(required=False, help_text="Left out: unchanged (a new "
                                                             "member is enabled).")


class MemberSearch(_Body):
    """`POST /v1.0/members/search` (Page/PageSize; Page is 1-based)."""

    MemberIds = serializers.ListField(child=StrictIntegerField(**INT32), required=False,
                                      allow_null=True, max_length=MAX_IDS)
    SearchTerm = text(200)
    SortBy = serializers.ChoiceField(SORT_BY, required=False, allow_null=True)
    SortOrder = serializers.ChoiceField(SORT_ORDERS, required=False)
    Page = StrictIntegerField(min_value=1, max_value=2**31 - 1, required=False)
    PageSize = StrictIntegerField(min_value=1, max_value=2**31 - 1, required=False,
                                  help_text="Capped at API_MAX_PAGE_SIZE.")


class ActiveMembers(_Body):
    """`POST /v1.0/members/active` (002: Offset/Limit, 0-based; 0 in a filter = not given)."""

    SortColumn = text(100, help_text="FirstName, LastName, UserName, Email or MemberId (any "
                                     "case); another value keeps the default order (002 "
                                     "declares a plain string; its sample sends \"string\").")
    SortOrder = text(100, help_text="Descending or desc (any case) sorts descending; another "
                                    "value ascending.")
    Offset = StrictIntegerField(min_value=0, max_value=2**31 - 1, required=False)
    Limit = StrictIntegerField(min_value=0, max_value=2**31 - 1, required=False,
                               help_text="0 or none: API_DEFAULT_PAGE_SIZE; capped at "
                                         "API_MAX_PAGE_SIZE.")
    Search = text(200)
    FirstName = text(150)
    LastName = text(150)
    BranchId = StrictIntegerField(**INT32, required=False, allow_null=True)
    CountryId = StrictIntegerField(**INT32, required=False, allow_null=True)
    RoleId = StrictIntegerField(**INT32, required=False, allow_null=True)


class MemberPage(serializers.Serializer):
    Results = MemberItem(many=True)
    Page = serializers.IntegerField()
    PageSize = serializers.IntegerField()
    PageCount = serializers.IntegerField(help_text="0 when nothing matches.")
    TotalCount = serializers.IntegerField()


class ActiveMemberPage(serializers.Serializer):
    Filtered = MemberItem(many=True)
    TotalCount = serializers.IntegerField()


class IdentitySearch(_Body):
    """`POST /v1.0/identities/search` (Page/PageSize; Page is 1-based)."""

    RoleIds = serializers.ListField(child=StrictIntegerField(**INT32), required=False,
                                    allow_null=True, max_length=MAX_IDS,
                                    help_text="A member in scope has one of these roles.")
    IdentityIds = serializers.ListField(child=StrictUUIDField(), required=False,
                                        allow_null=True, max_length=MAX_IDS)
    FirstName = text(150, help_text="Anywhere in the first name, any case.")
    LastName = text(150, help_text="Anywhere in the last name, any case.")
    SearchTerm = text(200, help_text="Anywhere in the field(s) of SearchIdentityBy, any case.")
    SearchIdentityBy = serializers.ChoiceField(SEARCH_BY, required=False, allow_null=True,
                                               help_text="Left out: All.")
    SearchByAllTenants = StrictBooleanField(
        required=False, help_text="false: the client's default tenant; true: every tenant "
                                  "it reaches.")
    SearchByInactive = StrictBooleanField(
        required=False, help_text="true: also identities whose sign-in or tenant access is "
                                  "disabled.")
    SearchBySystemAccounts = StrictBooleanField(
        required=False, help_text="true: also API clients' service accounts (read-only).")
    SortBy = serializers.ChoiceField(IDENTITY_SORT_BY, required=False, allow_null=True,
                                     help_text="Left out: UserName.")
    SortOrder = serializers.ChoiceField(SORT_ORDERS, required=False)
    Page = StrictIntegerField(min_value=1, max_value=2**31 - 1, required=False)
    PageSize = StrictIntegerField(min_value=1, max_value=2**31 - 1, required=False,
                                  help_text="Capped at API_MAX_PAGE_SIZE.")


class IdentityPage(serializers.Serializer):
    Results = IdentityItem(many=True)
    Page = serializers.IntegerField()
    PageSize = serializers.IntegerField()
    PageCount = serializers.IntegerField(help_text="0 when nothing matches.")
    TotalCount = serializers.IntegerField()


PICTURE_REQUIRED = "A picture is required (DELETE removes one)."


def picture_text_max() -> int:
    """The longest base64 text of PROFILE_PICTURE_MAX_BYTES: longer text decodes to more."""
    return 4 * -(-settings.PROFILE_PICTURE_MAX_BYTES // 3)


class ProfilePictureUpload(_Body):
    """`PUT /v1.0/identities/{identityId}/profilepicture`."""

    ImageContentBase64 = StrictCharField(
        max_length=picture_text_max(), validators=[WholeMatch(BASE64, "Not base64.")],
        error_messages={"null": PICTURE_REQUIRED, "blank": PICTURE_REQUIRED},
        help_text="A JPEG, PNG, GIF or WebP image in base64 (RFC 4648: the standard "
                  "alphabet, padded, no line breaks), at most PROFILE_PICTURE_MAX_BYTES (1 MiB) "
                  "decoded; anything else answers 400 and keeps the stored picture (null or "
                  "empty too: DELETE removes a picture).")


class ProfilePictureItem(serializers.Serializer):
    """`GET /v1.0/identities/{identityId}/profilepicture`."""

    ImageContentBase64 = serializers.CharField()
    IsDefaultImage = serializers.BooleanField(help_text="The built-in picture: the identity "
                                                        "has none of its own.")


class SyncMemberRequestItem(_Body):
    """The member-side values a sync sets; left out, they stay (a new member: the identity's
    home role, enabled)."""

    IdentityRoleId = ref()
    IsEnabled = StrictBooleanField(required=False)


class SyncMemberRequestAuditContextItem(_Body):
    """An existing context (`AuditContextId`), or what to open one with."""

    AuditContextId = StrictIntegerField(**ID64, required=False, allow_null=True)
    Createdby = text(200)
    AuthorizedAppId = text(200)


class SyncMember(_Body):
    """The body of both sync routes; `{}` (or either part left out) syncs as is."""

    Member = SyncMemberRequestItem(required=False, allow_null=True)
    Context = SyncMemberRequestAuditContextItem(required=False, allow_null=True)


class SyncedMemberV2(serializers.Serializer):
    InternalUserId = serializers.UUIDField()
    MemberId = serializers.IntegerField()
    AuditContextId = serializers.IntegerField()


class SyncedIdentityMember(serializers.Serializer):
    IdentityId = serializers.UUIDField()
    MemberId = serializers.IntegerField()
    AuditContextId = serializers.IntegerField()


def max_page_size() -> int:
    return settings.API_MAX_PAGE_SIZE
