"""SCIM 2.0 provisioning (RFC 7643/7644): the tokens identity providers connect with, and what
an identity provider says of a person that CustomerID has no field for.

A SCIM User is the organization's CustomerID user (`orgs.OrgUser`) and the person behind it
(`identities.Identity`); those tables are written by their own services only. This app keeps
two tables of its own (docs/scim.md):

- `ScimToken`: one connection of an identity provider, confined to one organization's subtree.
  Only the SHA-256 checksum of the token is stored (a random 256-bit secret needs no slow
  hash, and a checksum is found with one indexed equality). Each token acts as a service
  account of its own (`identity`), the actor its writes are recorded under; that account has
  no password, no OAuth2 application and no permission, so it authenticates nowhere else.
- `ScimProfile`: per person, the `externalId` its identity provider gave it and the resource
  as the provider last wrote it (`resource`), so that the attributes without a CustomerID home
  (displayName, title, addresses, the Enterprise User extension, …) are kept and returned.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models

from orgs.models import Organization

TOKEN_PREFIX = "scim_"  # a token's secret starts with it (a scanner can tell what leaked)


def token_checksum(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ScimToken(models.Model):
    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=100)
    # Not a database constraint: the CustomerID removal deletes organizations by set, and a
    # token whose organization is gone authenticates no more (its lookup joins it).
    organization = models.ForeignKey(Organization, on_delete=models.DO_NOTHING,
                                     db_constraint=False, related_name="+")
    identity = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                    related_name="scim_token")
    token_checksum = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "SCIM token"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ScimProfile(models.Model):
    identity = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                    primary_key=True, related_name="scim_profile")
    external_id = models.CharField(max_length=255, null=True, blank=True)
    resource = models.JSONField(default=dict, blank=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "SCIM profile"
        indexes = [models.Index(fields=["external_id"], name="scim_profile_external_idx")]

    def __str__(self) -> str:
        return f"SCIM profile of {self.identity_id}"
