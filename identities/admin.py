"""Operator console for identities, tenants, members, and API clients' tokens.

Every write goes through identities.services, so the admin leaves the same audit trail as the API.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from oauth2_provider.admin import AccessTokenAdmin as BaseAccessTokenAdmin
from oauth2_provider.models import AccessToken

from audit.admin import ChangeHistoryMixin
from core.admin import ServiceErrorsMixin
from identities.models import TENANTS, ExternalIdentity, Identity, Member, Tenant
from identities.reach_admin import GrantedClientsMixin
from identities.services import (
    access_token_revoke,
    identity_delete,
    identity_save,
    identity_set_password,
    member_add,
    member_remove,
    tenant_create,
    tenant_update,
)


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data["password1"] if usable else None
        return identity_set_password(identity=self.user, password=password)


@admin.register(Identity)
class IdentityAdmin(ChangeHistoryMixin, UserAdmin):
    list_display = ("username", "kind", "first_name", "last_name", "email", "is_active",
                    "is_staff")
    list_filter = ("kind", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "email", "=id")
    fieldsets = (*UserAdmin.fieldsets, ("Tessera", {"fields": ("kind",)}))
    # set by sign-in and creation, not edited: a form would round them to the second
    readonly_fields = ("last_login", "date_joined")
    change_password_form = AuditedPasswordChangeForm

    def save_model(self, request, obj, form, change):
        identity_save(identity=obj, created=not change)

    def delete_model(self, request, obj):
        identity_delete(identity=obj)

    def delete_queryset(self, request, queryset):
        for identity in queryset:
            identity_delete(identity=identity)


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
class MemberAdmin(ChangeHistoryMixin, admin.ModelAdmin):
    list_display = ("id", "tenant", "identity", "created_at")
    list_filter = ("tenant",)
    list_select_related = ("tenant", "identity")
    search_fields = ("=id", "identity__username")
    autocomplete_fields = ("identity",)

    def has_change_permission(self, request, obj=None):
        return False  # a membership is added or removed, never edited

    def save_model(self, request, obj, form, change):
        obj.pk = member_add(tenant=obj.tenant, identity=obj.identity).pk

    def delete_model(self, request, obj):
        member_remove(member=obj)

    def delete_queryset(self, request, queryset):
        for member in queryset:
            member_remove(member=member)


admin.site.unregister(AccessToken)


@admin.register(AccessToken)
class AccessTokenAdmin(BaseAccessTokenAdmin):
    """Tokens can be revoked (through the service, so the revocation is audited)."""

    actions = ["revoke_tokens"]
    list_select_related = ("user", "application")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke_tokens(self, request, queryset):
        count = 0
        for token in queryset:
            access_token_revoke(token=token)
            count += 1
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)

    def delete_model(self, request, obj):
        access_token_revoke(token=obj)

    def delete_queryset(self, request, queryset):
        self.revoke_tokens(request, queryset)


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(ChangeHistoryMixin, admin.ModelAdmin):
    """Connectors' external user ids of identities (the Ainua Users API writes them)."""

    list_display = ("external_id", "connector", "email", "identity", "modified")
    list_select_related = ("connector", "identity")
    search_fields = ("=external_id", "email", "identity__username")
    fields = readonly_fields = ("connector", "external_id", "identity", "email", "name",
                                "created", "modified")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
