"""Identities (people and service accounts), tenants and tenant members."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from identities.reach import Realm


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

    class Meta:
        verbose_name = "identity"
        verbose_name_plural = "identities"
        ordering = ["username"]
        indexes = [
            # the Ainua Users API merges people by email, case-insensitively
            models.Index(Lower("email"), name="identity_email_lower_idx"),
        ]

    @property
    def is_service_account(self) -> bool:
        return self.kind == self.Kind.SERVICE


class Member(models.Model):
    """An identity's membership of a tenant, with the tenant-local integer id the APIs answer."""

    id = models.AutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="members")
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "identity"], name="member_unique_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.identity} in {self.tenant}"


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
