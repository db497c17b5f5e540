"""The audit trail in the admin: read-only, filterable, searchable by object id."""

import json

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.html import format_html

from audit.models import AuditContext, ChangeRecord
from audit.queries import changes_of
from core.admin_names import PersonSearchMixin


class ChangeHistoryMixin:
    """A ModelAdmin mixin: the object's History page lists its audit change records."""

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        changes = list(changes_of(obj))
        for change in changes:
            change.before_json = _dump(change.before)
            change.after_json = _dump(change.after)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change history: {obj}",
            "subtitle": None,
            "opts": self.opts,
            "object": obj,
            "changes": changes,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/audit/object_history.html", context)


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
class ChangeRecordAdmin(PersonSearchMixin, ReadOnlyAdmin):
    list_display = ("created_at", "action", "object_type", "object_id", "object_repr",
                    "actor_repr", "context_id")
    list_filter = (
        "object_type",
        "action",
        ("actor_repr", admin.AllValuesFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("=object_id", "object_repr", "=correlation_id", "=context__id")
    person_search_fields = ("object_id", "actor")  # a person's records by username, uid, email
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


def _dump(value) -> str:
    return "—" if value is None else json.dumps(value, indent=2, sort_keys=True)


def _pretty(value):
    return format_html("<pre>{}</pre>", _dump(value))
