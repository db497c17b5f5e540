"""The organization tree (spec 001): organizations, their roles and users, role assignments.

The tree is a materialized path: each organization stores its full `path` ("a/b/c"), unique, so
resolving a path is one indexed lookup and a subtree is one range (`path = p OR path LIKE 'p/%'`),
whatever the depth or size. `parent` is kept as well, for the admin and for integrity.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from foundation.reach import Realm

MAX_SEGMENT = 64
MAX_DEPTH = 15
MAX_PATH = (MAX_SEGMENT + 1) * MAX_DEPTH


class Organization(models.Model):
    id = models.BigAutoField(primary_key=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(
        "organizationId", max_length=MAX_SEGMENT, help_text="Unique among siblings (see path)."
    )
    path = models.CharField(max_length=MAX_PATH, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    friendly_name = models.CharField("friendlyName", max_length=256)
    org_type = models.CharField("organizationType", max_length=64, blank=True, default="")
    virtual = models.BooleanField(default=False)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        permissions = [("access_subtree", "Can act within the organization subtree")]
        indexes = [models.Index(fields=["org_type", "virtual"], name="org_type_virtual_idx")]

    def __str__(self) -> str:
        return self.path


class OrganizationUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct foreign-key permission: a client's grant on a subtree's root."""

    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)


class OrganizationGroupObjectPermission(GroupObjectPermissionBase):
    """A group's grant on a subtree's root: every member reaches the subtree."""

    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)


# A grant on an organization reaches its whole subtree (the materialized path).
SUBTREES = Realm("subtree", Organization, "access_subtree", OrganizationUserObjectPermission,
                 OrganizationGroupObjectPermission, key="path", tree="path")


class Role(models.Model):
    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="roles")
    name = models.CharField(max_length=MAX_SEGMENT)
    member_of = models.ManyToManyField(
        "self", through="RoleLink", symmetrical=False, related_name="members", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="role_unique_in_org"),
        ]

    def __str__(self) -> str:
        return f"{self.organization.path}/{self.name}"


class RoleLink(models.Model):
    """`role` is a member of `member_of` (CustomerID memberOf); the graph has no cycles."""

    id = models.BigAutoField(primary_key=True)
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="parent_links")
    member_of = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="child_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "member_of"], name="rolelink_unique"),
            models.CheckConstraint(
                condition=~models.Q(role=models.F("member_of")), name="rolelink_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role_id} memberOf {self.member_of_id}"


class OrgUser(models.Model):
    """A user placed in an organization: the orgs-side profile of an identity.

    One person, one truth (docs/identities.md): the login name (`uid`: the identity's
    username, none when that is the identity's own id), names, email, mobile, password and
    sign-in live on the identity, written through identities' services; only what CustomerID
    alone carries is here. `name` is the user's segment in `user/ORGPATH/NAME` (a random UUID,
    the identity's id, unless the client chose one). `status` is CustomerID's word for why
    sign-in is off (pending, disabled, locked); whether it is on is `identity.is_active`
    (`effective_status`).
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        ENABLED = "enabled"
        DISABLED = "disabled"
        LOCKED = "locked"

    identity = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="org_profile",
    )
    # no index of its own: orguser_unique_in_org's (organization, name) serves it
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="users",
                                     db_index=False)
    name = models.CharField(max_length=MAX_SEGMENT)
    locale = models.CharField(max_length=16, blank=True, default="")
    hetu = models.CharField(max_length=11, blank=True, default="")
    pwd_activated = models.BooleanField("pwd.activated", default=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ENABLED)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "organization user"
        ordering = ["organization__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="orguser_unique_in_org"),
        ]
        indexes = [models.Index(fields=["status"], name="orguser_status_idx")]

    def __str__(self) -> str:
        return f"{self.organization.path}/{self.name}"

    @property
    def uid(self) -> str | None:
        """CustomerID's uid: the identity's username, unless that is the identity's own id."""
        return uid_of(self.identity)

    @property
    def mobile(self) -> str:
        return self.identity.mobile

    @property
    def effective_status(self) -> str:
        """`enabled` when the identity may sign in, else the stored reason (an `enabled`
        left by a sign-in switched off elsewhere reads `disabled`)."""
        return status_of(self.status, self.identity.is_active)


def uid_of(identity) -> str | None:
    return None if identity.username == str(identity.pk) else identity.username


def status_of(stored: str, is_active: bool) -> str:
    if is_active:
        return OrgUser.Status.ENABLED.value
    return OrgUser.Status.DISABLED.value if stored == OrgUser.Status.ENABLED else stored


class Assignment(models.Model):
    """A user holds a role (the role may belong to another organization)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(OrgUser, on_delete=models.CASCADE, related_name="assignments")
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="assignments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} has {self.role}"
