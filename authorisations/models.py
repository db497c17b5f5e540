"""Namespaces, authorisation types and sources, authorisations and their superseded versions.

An authorisation is given by an *object* (the principal) to a *subject* (the delegate), typed,
optionally sourced, and valid within a window. Deletion is soft (`deleted_at`); revocation is
final. Every write of an authorisation bumps `modified` and keeps the state it replaced as an
`AuthorisationVersion`, so the state at any past instant can be read back (`asOf`).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from foundation.reach import Realm

USE_NAMESPACE = "use_namespace"
# Namespaces whose authorisations mirror another context's data (`ainua`: the Ainua account
# bindings of the accounts context): readable as any namespace, written only by their owner.
RESERVED_NAMESPACES = frozenset({"ainua"})


def _crud(prefix: str, noun: str) -> list[tuple[str, str]]:
    return [
        (f"{prefix}_VIEW", f"Can view {noun}"),
        (f"{prefix}_CREATE", f"Can create {noun}"),
        (f"{prefix}_MODIFY", f"Can modify {noun}"),
        (f"{prefix}_REMOVE", f"Can remove {noun}"),
    ]


class Namespace(models.Model):
    """The isolation boundary: a client sees only the namespaces it is granted."""

    id = models.BigAutoField(primary_key=True)
    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True, default="")
    default_validity = models.DurationField(
        null=True, blank=True,
        help_text="When set, an authorisation created without validTo ends this long after "
        "its validFrom.",
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        permissions = [(USE_NAMESPACE, "Can use the namespace (all namespaces, when global)")]

    def __str__(self) -> str:
        return self.code


class NamespaceUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key grants of a namespace to a client (no generic lookups)."""

    content_object = models.ForeignKey(Namespace, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "namespace grant"


class NamespaceGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Namespace, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "namespace group grant"


NAMESPACES = Realm("namespace", Namespace, USE_NAMESPACE, NamespaceUserObjectPermission,
                   NamespaceGroupObjectPermission, key="code")


class DefaultNamespace(models.Model):
    """The namespace a client's writes go to when they name none (its first granted one)."""

    identity = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
        related_name="default_namespace",
    )
    namespace = models.ForeignKey(Namespace, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.identity_id} → {self.namespace_id}"


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class _CodedItem(models.Model):
    """An authorisation type or source: a code unique among the live items of its namespace."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    namespace = models.ForeignKey(Namespace, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True, default="")
    names = models.JSONField(default=list, blank=True,
                             help_text='Locale-specific names: [{"locale": "fi", "value": …}].')
    description = models.TextField(blank=True, default="")
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["namespace__code", "code"]

    def __str__(self) -> str:
        return self.code


class AuthorisationType(_CodedItem):
    class Meta(_CodedItem.Meta):
        permissions = _crud("AUTHORISATION_TYPE", "authorisation types")
        constraints = [
            models.UniqueConstraint(
                fields=["namespace", "code"], condition=Q(deleted_at__isnull=True),
                name="authtype_code_unique_live",
            )
        ]

    def __str__(self) -> str:
        return self.code


class AuthorisationSource(_CodedItem):
    class Meta(_CodedItem.Meta):
        permissions = _crud("AUTHORISATION_SOURCE", "authorisation sources")
        constraints = [
            models.UniqueConstraint(
                fields=["namespace", "code"], condition=Q(deleted_at__isnull=True),
                name="authsource_code_unique_live",
            )
        ]

    def __str__(self) -> str:
        return self.code


class SubjectType(models.TextChoices):
    USER = "user"
    GROUP = "group"
    STRING = "string"


class ObjectType(models.TextChoices):
    USER = "user"
    GROUP = "group"
    CONTACT = "contact"
    TARGET = "target"
    STRING = "string"


def natural_key(
    namespace_id: int, type_id: uuid.UUID | str, subject_type: str, subject_value: str,
    object_type: str, object_value: str, valid_from: datetime, valid_to: datetime | None,
) -> str:
    """What an import de-duplicates rows without an id on (a digest, so it indexes small)."""
    parts = [
        str(namespace_id), str(type_id), subject_type, subject_value, object_type, object_value,
        valid_from.astimezone(UTC).isoformat(),
        valid_to.astimezone(UTC).isoformat() if valid_to else "",
    ]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


class AuthorisationState(models.Model):
    """The fields of an authorisation that change over time (shared with its versions)."""

    namespace = models.ForeignKey(Namespace, on_delete=models.PROTECT, related_name="+")
    type = models.ForeignKey(AuthorisationType, on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(
        AuthorisationSource, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_value = models.CharField(max_length=255)
    object_type = models.CharField(max_length=16, choices=ObjectType.choices)
    object_value = models.CharField(max_length=255)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_details = models.TextField(null=True, blank=True)
    author = models.CharField(max_length=255, null=True, blank=True,
                              help_text="Free text the client keeps (the vendor's `author`).")
    creator = models.CharField(max_length=255, blank=True, default="",
                               help_text="Who created it: the OAuth2 client id, the operator's "
                                         "username, or the import command.")
    created = models.DateTimeField()
    modified = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def is_active(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return (
            not self.revoked
            and self.deleted_at is None
            and self.valid_from <= at
            and (self.valid_to is None or at < self.valid_to)
        )


class Authorisation(AuthorisationState):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    natural_key = models.CharField(max_length=32, db_index=True, editable=False)
    audit_derived = ("natural_key",)  # the import's de-duplication digest: not state

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["created", "id"]
        permissions = _crud("AUTHORISATION", "authorisations")
        indexes = [
            # check: subject, type, object (then the window and flags are read from the row)
            models.Index(fields=["subject_value", "type", "object_value"],
                         name="authz_check_idx"),
            models.Index(fields=["object_value"], name="authz_object_idx"),
            models.Index(fields=["namespace", "created"], name="authz_ns_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_value} ← {self.object_value}"

    @property
    def public_id(self) -> uuid.UUID:
        return self.id

    def compute_natural_key(self) -> str:
        return natural_key(
            self.namespace_id, self.type_id, self.subject_type, self.subject_value,
            self.object_type, self.object_value, self.valid_from, self.valid_to,
        )


class AuthorisationVersion(AuthorisationState):
    """A state an authorisation had from its `modified` until `superseded_at`."""

    id = models.BigAutoField(primary_key=True)
    authorisation = models.ForeignKey(
        Authorisation, on_delete=models.CASCADE, related_name="versions"
    )
    superseded_at = models.DateTimeField()

    class Meta:
        ordering = ["authorisation", "modified"]
        indexes = [
            models.Index(fields=["authorisation", "superseded_at"], name="authz_version_idx"),
            models.Index(fields=["modified", "superseded_at"], name="authz_version_span_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.authorisation_id} until {self.superseded_at:%Y-%m-%d %H:%M:%S}"

    @property
    def public_id(self) -> uuid.UUID:
        return self.authorisation_id


class AuthorisationGrantRight(models.Model):
    """The right of a *principal* to give authorisations of some types on its own behalf (the
    vendor's authorisation grant right): while it is active, the principal may create
    authorisations of those types whose object is itself, without the AUTHORISATION_CREATE
    permission. Its `object` is who gave the right (the identity that created it). Revocation
    is final; a grant right is never changed otherwise, so its state at any instant follows
    from its own fields (no versions)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    namespace = models.ForeignKey(Namespace, on_delete=models.PROTECT, related_name="+")
    types = models.ManyToManyField(AuthorisationType, related_name="+",
                                   verbose_name="authorisation types")
    principal_type = models.CharField(max_length=16, choices=SubjectType.choices)
    principal_value = models.CharField(max_length=255)
    object_type = models.CharField(max_length=16, choices=ObjectType.choices)
    object_value = models.CharField(max_length=255)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    created_by_client_id = models.CharField(max_length=100, blank=True, default="")
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_client_id = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["created", "id"]
        permissions = [
            ("AUTHORISATION_GRANT_RIGHT_VIEW", "Can view authorisation grant rights"),
            ("AUTHORISATION_GRANT_RIGHT_CREATE", "Can create authorisation grant rights"),
            ("AUTHORISATION_GRANT_RIGHT_MODIFY", "Can revoke authorisation grant rights"),
        ]
        indexes = [
            models.Index(fields=["principal_value", "namespace"], name="grant_right_principal_idx"),
            models.Index(fields=["namespace", "created"], name="grant_right_ns_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.principal_type}:{self.principal_value} in {self.namespace_id}"

    def is_active(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return (not (self.revoked and self.revoked_at is not None and self.revoked_at <= at)
                and self.created <= at and self.valid_from <= at
                and (self.valid_to is None or at < self.valid_to))
