"""The console of permission groups and of OAuth2 applications and tokens (django-oauth-toolkit's
admins, re-registered): every write through identities.services.clients or identities.services, so
each leaves a change record with the real before and after (many-to-many included, secrets
masked); what Tessera never issues is read-only. Decisions: docs/console.md."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.models import Group
from oauth2_provider import admin as oauth_admin
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

from audit.admin.mixins import ChangeHistoryMixin, ReadOnlyAdmin
from foundation.admin.mixins import ServiceErrorsMixin, ServiceWritesMixin
from identities.services.clients import (
    access_token_revoke,
    application_delete,
    application_update,
    group_delete,
    group_save,
)

for model in (Group, Application, AccessToken, Grant, IDToken, RefreshToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Group)
class GroupAdmin(ServiceErrorsMixin, ServiceWritesMixin, ChangeHistoryMixin, BaseGroupAdmin):
    def service_save(self, request, obj, form, change, related):
        group_save(group=obj, created=not change, permissions=related.get("permissions"))

    def service_delete(self, request, obj):
        group_delete(group=obj)


@admin.register(Application)
class ApplicationAdmin(ServiceErrorsMixin, ServiceWritesMixin, ChangeHistoryMixin,
                       oauth_admin.ApplicationAdmin):
    """Edited and deleted through the services; created only by `create_api_client`, which
    makes the service account, the hashed secret and the tenant grant together."""

    def has_add_permission(self, request):
        return False

    def get_deleted_objects(self, objs, request):
        # its tokens go with it (revoked by the service) though their admin deletes nothing
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def service_save(self, request, obj, form, change, related):
        application_update(application=obj)

    def service_delete(self, request, obj):
        application_delete(application=obj)


@admin.register(AccessToken)
class AccessTokenAdmin(ChangeHistoryMixin, oauth_admin.AccessTokenAdmin):
    """Tokens are revoked (through the service, so the revocation is audited), never edited."""

    actions = ["revoke_tokens"]
    list_select_related = ("user", "application")

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke_tokens(self, request, queryset):
        count = 0
        for token in queryset:
            access_token_revoke(token=token)
            count += 1
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)


class IssuedNeverAdmin(ReadOnlyAdmin):
    """What Tessera never issues (it grants client credentials only: no authorization codes,
    refresh or ID tokens): shown, never written."""

    actions = ()


@admin.register(Grant)
class GrantAdmin(IssuedNeverAdmin, oauth_admin.GrantAdmin):
    pass


@admin.register(IDToken)
class IDTokenAdmin(IssuedNeverAdmin, oauth_admin.IDTokenAdmin):
    pass


@admin.register(RefreshToken)
class RefreshTokenAdmin(IssuedNeverAdmin, oauth_admin.RefreshTokenAdmin):
    pass
