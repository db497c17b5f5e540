"""The audit trail in the admin: read-only, filterable, searchable by object id."""

import json

from django.contrib import admin
from django.utils.html import format_html

from audit.models import AuditContext, ChangeRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """Nothing here can be added, changed or deleted from the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditContext)
class AuditContextAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "created_by", "client_repr", "implicit", "created_at")
    list_filter = ("implicit", "tenant", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("tenant",)
    search_fields = ("=id", "created_by", "authorized_app_id", "client_repr", "correlation_id")
    date_hierarchy = "created_at"


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "object_type", "object_id", "object_repr",
                    "actor_repr", "context_id")
    list_filter = (
        "object_type",
        "action",
        "actor_repr",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("=object_id", "object_repr", "=correlation_id", "=context__id")
    date_hierarchy = "created_at"
    readonly_fields = ("before_pretty", "after_pretty")
    exclude = ("before", "after")
    show_full_result_count = False

    @admin.display(description="before")
    def before_pretty(self, obj):
        return _pretty(obj.before)

    @admin.display(description="after")
    def after_pretty(self, obj):
        return _pretty(obj.after)


def _pretty(value):
    if value is None:
        return "—"
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True))
