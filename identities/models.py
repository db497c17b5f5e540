"""Identities (people and service accounts), tenants and tenant members."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.names import person_label
from foundation.reach import Realm


class IdentityRole(models.Model):
    """An identity role of the additiv surfaces (`IdentityRoleId`): a global catalog ranked by
    `hierarchy_level`, dense 1..n (1 = top). Unique but not deferrable (SQLite has no deferrable
    constraints): a rank change locks the catalog and parks one role at 0 while it swaps
    (`services.identity_role_move`)."""

    id = models.AutoField(primary_key=True)
    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    hierarchy_level = models.PositiveIntegerField()

    class Meta:
        ordering = ["hierarchy_level"]
        constraints = [
            models.UniqueConstraint(fields=["hierarchy_level"], name="identityrole_rank_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Salutation(models.Model):
    """A salutation (`SalutationId`): a small catalog seeded by a migration."""

    id = models.AutoField(primary_key=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class IdentityProvider(models.Model):
    """Where an identity signs in (`IdentityProviderSettingId`); 1 is Tessera itself."""

    id = models.AutoField(primary_key=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class BankBranch(models.Model):
    """A bank branch (`BankBranchId`, 002's `BranchId`/`CountryId`)."""

    id = models.AutoField(primary_key=True)
    name = models.CharField(max_length=200)
    country_id = models.PositiveIntegerField(null=True, blank=True,
                                             help_text="002's CountryId, when known.")

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "bank branches"

    def __str__(self) -> str:
        return self.name


class Tenant(models.Model):
    """A tenant of the additiv surfaces (spec 002/003): the unit an API client is granted."""

    id = models.AutoField(primary_key=True)
    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]
        permissions = [("access_tenant", "Can act within the tenant")]

    def __str__(self) -> str:
        return self.key


class Identity(AbstractUser):
    """A person or a machine. Service accounts stand behind API clients."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        SERVICE = "service", "Service account (API client)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERSON)
    # the additiv DFS attributes (spec 003); names, email and sign-in (`is_active`) are
    # AbstractUser's fields, shared with every surface
    salutation = models.ForeignKey(Salutation, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    description = models.CharField(max_length=1000, blank=True, default="", db_default="")
    phone = models.CharField(max_length=32, blank=True, default="", db_default="")
    fax = models.CharField(max_length=32, blank=True, default="", db_default="")
    mobile = models.CharField(max_length=32, blank=True, default="", db_default="")
    url = models.CharField(max_length=500, blank=True, default="", db_default="")
    external_id = models.CharField(max_length=100, null=True, blank=True)
    bank_branch = models.ForeignKey(BankBranch, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    identity_role = models.ForeignKey(
        IdentityRole, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The home role; each tenant membership has its own.")
    identity_provider = models.ForeignKey(IdentityProvider, on_delete=models.PROTECT, null=True,
                                          blank=True, related_name="+")


    class Meta:
        verbose_name = "identity"
        verbose_name_plural = "identities"
        ordering = ["username"]
        constraints = [
            # a constraint rather than unique=True: no second (LIKE) index on PostgreSQL
            models.UniqueConstraint(fields=["external_id"], name="identity_external_id_unique"),
        ]
        indexes = [
            # the Ainua Users API merges people by email, case-insensitively
            models.Index(Lower("email"), name="identity_email_lower_idx"),
            # the identity search's sorted page: when a search matches most of the table,
            # ORDER BY <field>, id LIMIT n walks one of these and stops after the page
            # (identities.queries.search.count_and_order; username has its unique index)
            models.Index(fields=["last_name", "id"], name="identity_last_name_sort_idx"),
            models.Index(fields=["first_name", "id"], name="identity_first_name_sort_idx"),
            models.Index(fields=["email", "id"], name="identity_email_sort_idx"),
        ]

    def __str__(self) -> str:
        return person_label(pk=self.pk, username=self.username, first_name=self.first_name,
                            last_name=self.last_name, email=self.email)

    @property
    def is_service_account(self) -> bool:
        return self.kind == self.Kind.SERVICE


class Member(models.Model):
    """An identity's membership of a tenant, with the tenant-local integer id the APIs answer."""

    id = models.AutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="members")
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="memberships")
    identity_role = models.ForeignKey(IdentityRole, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+")
    is_enabled = models.BooleanField(
        default=True, db_default=True,
        help_text="Tenant access; a disabled member is kept (audit contexts name member ids).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "identity"], name="member_unique_per_tenant"),
        ]
        indexes = [
            # the member hierarchy: a tenant's members by role (identities.queries.hierarchy)
            models.Index(fields=["tenant", "identity_role"], name="member_tenant_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.identity} in {self.tenant}"


class RoleRestriction(models.Model):
    """A role's forbidden sub-role (002 `…/hierarchy/restrictions`, 003 `…/hierarchy/exclude`):
    members of `restricted_role` are not in the hierarchy of members of `role`. Written as a
    set by identities.services.restrictions (replace semantics)."""

    id = models.BigAutoField(primary_key=True)
    role = models.ForeignKey(IdentityRole, on_delete=models.CASCADE,
                             related_name="restrictions")
    restricted_role = models.ForeignKey(IdentityRole, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["role", "restricted_role"],
                                               name="role_restriction_unique")]

    def __str__(self) -> str:
        return f"{self.role_id} ⊄ {self.restricted_role_id}"


class MemberRestriction(models.Model):
    """A member's forbidden sub-member, of the same tenant (002 `…/hierarchy/restrictions`,
    003 `…/hierarchy/exclude`): `restricted_member` is not in `member`'s hierarchy. Written
    as a set by identities.services.restrictions, which keeps both in one tenant."""

    id = models.BigAutoField(primary_key=True)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="restrictions")
    restricted_member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "restricted_member"],
                                               name="member_restriction_unique")]

    def __str__(self) -> str:
        return f"{self.member_id} ⊄ {self.restricted_member_id}"


class ProfilePicture(models.Model):
    """An identity's profile picture (`…/profilepicture`), apart from the identity row so
    that reading an identity never loads it. `content` holds the bytes as uploaded (checked
    by decoding them with Pillow, identities.services.pictures); `thumbnail` a PNG of at most
    160 px a side made by that same decode (the admin shows it); the change log holds only `format`,
    `size`, `width`, `height` and `sha256`."""

    identity = models.OneToOneField(Identity, on_delete=models.CASCADE, primary_key=True,
                                    related_name="profile_picture")
    content = models.BinaryField()
    format = models.CharField(max_length=8, help_text="JPEG, PNG, GIF or WEBP.")
    size = models.PositiveIntegerField(help_text="Bytes.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    thumbnail = models.BinaryField(default=b"", help_text="PNG, at most 160 px a side.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"picture of {self.identity_id}"


class TenantUserObjectPermission(UserObjectPermissionBase):
    """A client's grant of a tenant (guardian's direct foreign-key table)."""

    content_object = models.ForeignKey(Tenant, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "tenant grant"


class TenantGroupObjectPermission(GroupObjectPermissionBase):
    """A group's grant of a tenant: every member reaches it."""

    content_object = models.ForeignKey(Tenant, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "tenant group grant"


TENANTS = Realm("tenant", Tenant, "access_tenant", TenantUserObjectPermission,
                TenantGroupObjectPermission, key="key")


class ExternalIdentity(models.Model):
    """A connector's (an OAuth2 application's) external user id of an identity, with the email
    and name that connector gives it (the Ainua Users API). Links of several connectors with
    the same email (in any case) point to one identity."""

    id = models.BigAutoField(primary_key=True)
    connector = models.ForeignKey("oauth2_provider.Application",
                                  on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField("external id", max_length=255)
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE,
                                 related_name="external_identities")
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=255, blank=True, default="")
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "external identity"
        verbose_name_plural = "external identities"
        ordering = ["connector", "external_id"]
        constraints = [models.UniqueConstraint(fields=["connector", "external_id"],
                                               name="external_identity_unique")]

    def __str__(self) -> str:
        return f"{self.external_id} → {self.identity_id}"
