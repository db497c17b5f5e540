"""Identities (people and service accounts), tenants and tenant members."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
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
