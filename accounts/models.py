"""Customer accounts fed by back-office connectors (spec 000, Ainua Accounts API).

A *connector* is an OAuth2 application: the namespace of every external id it sends. An
`Account` is what several connectors' external accounts are merged into by their common id
(the company registration id); each connector's external account is an `AccountSource`. The
users a connector binds to an account are `AccountUser` rows: the identity is known once the
Users API names the external user (`identities.ExternalIdentity`), pending until then. Each
resolved binding is mirrored as an authorisation in the reserved namespace `ainua`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from authorisations.models import Authorisation

MAX_COMMON_ID = 64
MAX_EXTERNAL_ID = 255
MAX_NAME = 255
CONNECTOR_MODEL = "oauth2_provider.Application"


class Account(models.Model):
    """One customer account, however many connectors feed it."""

    id = models.BigAutoField(primary_key=True)
    common_id = models.CharField(
        "common id", max_length=MAX_COMMON_ID, null=True, blank=True, unique=True,
        help_text="The spec's `id` (typically the company registration id): sources with the "
                  "same common id are one account. Empty: an account of one source.")
    name = models.CharField(max_length=MAX_NAME, help_text="The most recently written name.")
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.common_id})" if self.common_id else self.name


class AccountSource(models.Model):
    """A connector's external account bound to an account (with the name it sends)."""

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="sources")
    connector = models.ForeignKey(CONNECTOR_MODEL, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField("external id", max_length=MAX_EXTERNAL_ID)
    name = models.CharField(max_length=MAX_NAME)
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account", "id"]
        constraints = [models.UniqueConstraint(fields=["connector", "external_id"],
                                               name="account_source_unique")]
        indexes = [models.Index(fields=["account", "connector"], name="account_source_acct_idx")]

    def __str__(self) -> str:
        return f"{self.external_id} → {self.account_id}"


class AccountUser(models.Model):
    """A connector's user bound to an account; `identity` is empty while pending (the Users
    API has not named the external user yet). `authorisation` is the binding's mirror."""

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="users")
    connector = models.ForeignKey(CONNECTOR_MODEL, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField("user external id", max_length=MAX_EXTERNAL_ID)
    identity = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+")
    authorisation = models.ForeignKey(Authorisation, on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="+", db_constraint=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account", "id"]
        constraints = [models.UniqueConstraint(fields=["account", "connector", "external_id"],
                                               name="account_user_unique")]
        indexes = [models.Index(fields=["connector", "external_id"], name="account_user_ext_idx")]

    def __str__(self) -> str:
        return f"{self.external_id} @ {self.account_id}"

    @property
    def pending(self) -> bool:
        return self.identity_id is None
