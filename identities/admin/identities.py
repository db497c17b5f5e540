"""Operator console for identities, tenants, members, and API clients' tokens.

Every write goes through identities.services, so the admin leaves the same audit trail as the API.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from oauth2_provider.models import AccessToken

from audit.admin.access import EffectiveAccessMixin
from audit.admin.mixins import ChangeHistoryMixin, ReadOnlyAdmin
from audit.admin.people import PeopleNamedMixin
from foundation.admin.mixins import ReadOnlyInline, ServiceErrorsMixin, ServiceWritesMixin
from foundation.admin.names import PersonFieldsMixin
from identities.admin import access as access_admin  # noqa: F401  (groups, OAuth2 applications and tokens)
from identities.admin.hierarchy import MemberHierarchyMixin, RoleLadderMixin
from identities.admin.pictures import PictureThumbnailMixin
from identities.admin.reach import GrantedClientsMixin
from identities.models import (
    TENANTS,
    BankBranch,
    ExternalIdentity,
    Identity,
    IdentityProvider,
    IdentityRole,
    Member,
    Salutation,
    Tenant,
)
from identities.services.catalogs import catalog_entry_delete, catalog_entry_save
from identities.services.people import identity_delete, identity_save, identity_set_password
from identities.services.roles import (
    identity_role_create,
    identity_role_delete,
    identity_role_move,
    identity_role_update,
)
from identities.services.tenants import member_remove, member_upsert, tenant_create, tenant_update


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data["password1"] if usable else None
        return identity_set_password(identity=self.user, password=password)


class MembershipInline(ReadOnlyInline):
    """An identity's memberships per tenant, read-only here (edited on the member's page)."""

    model = Member
    fields = ("tenant", "identity_role", "is_enabled", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant", "identity_role",
                                                            "identity")


@admin.register(Identity)
class IdentityAdmin(ServiceErrorsMixin, ServiceWritesMixin, ChangeHistoryMixin,
                    EffectiveAccessMixin, PersonFieldsMixin, PictureThumbnailMixin, UserAdmin):
    list_display = ("picture", "uid_or_name", "kind", "first_name", "last_name", "email",
                    "external_id", "is_active", "is_staff")
    list_display_links = ("uid_or_name",)
    list_filter = ("kind", "is_active", "is_staff", "is_superuser", "identity_role")
    search_fields = ("username", "first_name", "last_name", "email", "=external_id", "=id")
    fieldsets = (*UserAdmin.fieldsets,
                 ("Tessera", {"fields": ("kind",)}),
                 ("DFS (additiv)", {"fields": (
                     "picture_large", "salutation", "external_id", "identity_role",
                     "identity_provider", "bank_branch", "description", "phone", "fax",
                     "mobile", "url")}))
    list_select_related = ("identity_role",)
    person_fields = ("username",)  # a person without a uid: its username is its id
    inlines = [MembershipInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []  # a new identity has no memberships
    # set by sign-in and creation, not edited: a form would round them to the second
    readonly_fields = ("last_login", "date_joined", "picture_large")
    change_password_form = AuditedPasswordChangeForm

    @admin.display(description="username", ordering="username")
    def uid_or_name(self, obj: Identity) -> str:
        """The username; a person without a uid (its username is its id) by its names."""
        return obj.username if obj.username != str(obj.pk) else str(obj)

    def service_save(self, request, obj, form, change, related):
        # groups and permissions (on the change form) recorded with the rest
        identity_save(identity=obj, created=not change, **related)

    def service_delete(self, request, obj):
        identity_delete(identity=obj)

    def get_deleted_objects(self, objs, request):
        # an API client's access tokens go by identity_delete, revoked and recorded (their own
        # admin only revokes): deleting the identity needs no delete permission of tokens
        listed, counts, needed, protected = super().get_deleted_objects(objs, request)
        needed.discard(AccessToken._meta.verbose_name)
        return listed, counts, needed, protected


@admin.register(Tenant)
class TenantAdmin(ServiceErrorsMixin, GrantedClientsMixin, ChangeHistoryMixin,
                  admin.ModelAdmin):
    reach_realm = TENANTS
    list_display = ("id", "key", "name")
    search_fields = ("key", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("key",) if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            tenant_update(tenant=obj, name=form.cleaned_data["name"])
        else:
            obj.pk = tenant_create(key=obj.key, name=obj.name).pk

    def has_delete_permission(self, request, obj=None):
        return False  # tenants hold audit contexts, which are kept forever


@admin.register(Member)
class MemberAdmin(ServiceErrorsMixin, ChangeHistoryMixin, MemberHierarchyMixin,
                  admin.ModelAdmin):
    list_display = ("id", "tenant", "identity", "identity_role", "is_enabled", "created_at")
    list_filter = ("tenant", "identity_role", "is_enabled")
    list_select_related = ("tenant", "identity", "identity_role")
    search_fields = ("=id", "identity__username")
    autocomplete_fields = ("identity",)

    def get_readonly_fields(self, request, obj=None):
        # a membership never moves
        return ("tenant", "identity", "acts_over", "above") if obj else ()

    def save_model(self, request, obj, form, change):
        obj.pk = member_upsert(tenant=obj.tenant, identity=obj.identity,
                               role_id=obj.identity_role_id, is_enabled=obj.is_enabled).pk

    def delete_model(self, request, obj):
        member_remove(member=obj)

    def delete_queryset(self, request, queryset):
        for member in queryset:
            member_remove(member=member)


@admin.register(IdentityRole)
class IdentityRoleAdmin(ServiceErrorsMixin, ChangeHistoryMixin, RoleLadderMixin,
                        admin.ModelAdmin):
    """The role ladder, in rank order; the rank moves by the buttons and the actions (dense
    1..n); the restrictions are edited on the role's page."""

    list_display = ("hierarchy_level", "id", "key", "name", "rank_buttons")
    ordering = ("hierarchy_level",)
    search_fields = ("key", "name")
    readonly_fields = ("hierarchy_level", "role_hierarchy")
    actions = ["move_up", "move_down"]

    def save_model(self, request, obj, form, change):
        if change:
            identity_role_update(role=obj)
        else:
            obj.pk = identity_role_create(key=obj.key, name=obj.name).pk

    def delete_model(self, request, obj):
        identity_role_delete(role=obj)

    def delete_queryset(self, request, queryset):
        for role in queryset.order_by("-hierarchy_level"):
            identity_role_delete(role=role)

    def _move(self, request, queryset, up: bool):
        for role in queryset.order_by("hierarchy_level" if up else "-hierarchy_level"):
            identity_role_move(role=role, up=up)
        self.message_user(request, "Moved.", messages.SUCCESS)

    @admin.action(description="Move the selected roles up one rank")
    def move_up(self, request, queryset):
        self._move(request, queryset, up=True)

    @admin.action(description="Move the selected roles down one rank")
    def move_down(self, request, queryset):
        self._move(request, queryset, up=False)


class CatalogAdmin(ServiceErrorsMixin, ChangeHistoryMixin, admin.ModelAdmin):
    """A small catalog: saves and deletes through the catalog services."""

    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        catalog_entry_save(entry=obj, created=not change)

    def delete_model(self, request, obj):
        catalog_entry_delete(entry=obj)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            catalog_entry_delete(entry=entry)


@admin.register(Salutation)
class SalutationAdmin(CatalogAdmin):
    list_display = ("id", "name")


@admin.register(IdentityProvider)
class IdentityProviderAdmin(CatalogAdmin):
    list_display = ("id", "name")


@admin.register(BankBranch)
class BankBranchAdmin(CatalogAdmin):
    list_display = ("id", "name", "country_id")


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(PeopleNamedMixin, ChangeHistoryMixin, ReadOnlyAdmin):
    """Connectors' external user ids of identities (the Ainua Users API writes them)."""

    def person_texts(self, obj: ExternalIdentity) -> list:
        return []  # the list shows the identity (by its name), not its id

    def object_texts(self, obj: ExternalIdentity) -> list:
        return []

    def object_label(self, obj: ExternalIdentity) -> str:
        """Its title: the person by name (its `str` shows the identity's id)."""
        return f"{obj.external_id} → {obj.identity}"

    list_display = ("external_id", "connector", "email", "identity", "modified")
    list_select_related = ("connector", "identity")
    search_fields = ("=external_id", "email", "identity__username")
    fields = readonly_fields = ("connector", "external_id", "identity", "email", "name",
                                "created", "modified")
