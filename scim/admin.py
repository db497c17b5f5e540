"""The console's SCIM tokens: listed with their organization, service account and last use,
never added or edited here (`manage.py create_scim_token` shows a token once), revoked through
the service (audited)."""

from __future__ import annotations

from django.contrib import admin, messages

from audit.admin.mixins import ChangeHistoryMixin, ReadOnlyAdmin
from scim.models import ScimToken
from scim.services.tokens import token_revoke


@admin.register(ScimToken)
class ScimTokenAdmin(ChangeHistoryMixin, ReadOnlyAdmin):
    list_display = ("name", "organization_path", "account", "created_at", "last_used_at",
                    "state")
    list_select_related = ("organization", "identity")
    list_filter = ("revoked_at",)
    search_fields = ("name", "organization__path", "identity__username")
    fields = ("name", "organization_path", "account", "created_at", "last_used_at",
              "revoked_at")
    readonly_fields = fields
    actions = ["revoke_tokens"]

    @admin.display(description="organization", ordering="organization__path")
    def organization_path(self, token: ScimToken) -> str:
        return token.organization.path

    @admin.display(description="acts as", ordering="identity__username")
    def account(self, token: ScimToken) -> str:
        return token.identity.username

    @admin.display(description="state")
    def state(self, token: ScimToken) -> str:
        return "revoked" if token.revoked_at else "active"

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("scim.change_scimtoken")

    @admin.action(description="Revoke the selected tokens", permissions=["revoke"])
    def revoke_tokens(self, request, queryset):
        revoked = sum(token_revoke(token=token) for token in queryset)
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)
