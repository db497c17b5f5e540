"""The back-office catalogs of a tenant (spec 003 BackOfficeManagement): menus (a tree) and
access-policy groups with their policies; and what each member of the tenant is given of
them. Ids are int32 (`MenuIds`, `AccessPolicyIds`), global primary keys, so an import can
name them (upsert by id)."""

from django.db import models

from identities.models import Member, Tenant


class Menu(models.Model):
    """A back-office menu of a tenant; `parent` makes the tree (same tenant, no cycle: the
    services check both). `position` orders siblings."""

    id = models.AutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["tenant", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"],
                                               name="backoffice_menu_key_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class AccessPolicyGroup(models.Model):
    """A group of access policies of a tenant (`AccessPolicyGroups`)."""

    id = models.AutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["tenant", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"],
                                               name="backoffice_policygroup_key_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class AccessPolicy(models.Model):
    """An access policy (`AccessPolicyIds`); its tenant is its group's."""

    id = models.AutoField(primary_key=True)
    group = models.ForeignKey(AccessPolicyGroup, on_delete=models.PROTECT,
                              related_name="policies")
    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["group", "position", "id"]
        verbose_name_plural = "access policies"
        constraints = [models.UniqueConstraint(fields=["group", "key"],
                                               name="backoffice_policy_key_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class MemberMenu(models.Model):
    """A menu given to a member (of the menu's tenant). `default_rank`: its place in the
    member's `DefaultMenuIds` (null: not a default); the first default is `DefaultMenuId`."""

    id = models.BigAutoField(primary_key=True)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    menu = models.ForeignKey(Menu, on_delete=models.PROTECT, related_name="+")
    default_rank = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "menu"],
                                               name="backoffice_membermenu_unique")]

    def __str__(self) -> str:
        return f"menu {self.menu_id} of member {self.member_id}"


class MemberAccessPolicy(models.Model):
    """An access policy given to a member (of the policy's tenant)."""

    id = models.BigAutoField(primary_key=True)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(AccessPolicy, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name_plural = "member access policies"
        constraints = [models.UniqueConstraint(fields=["member", "policy"],
                                               name="backoffice_memberpolicy_unique")]

    def __str__(self) -> str:
        return f"policy {self.policy_id} of member {self.member_id}"


class MemberBackOffice(Member):
    """A member seen by its back-office menus and policies: the admin page that edits them,
    and the object their change records name (`backoffice.memberbackoffice`, the member id)."""

    class Meta:
        proxy = True
        verbose_name = "member's menus and policies"
        verbose_name_plural = "members' menus and policies"
