"""What every app's console pages take from the audit floor: a History page read from the change
log (`ChangeHistoryMixin`) and read-only pages (`ReadOnlyAdmin`)."""


from django.contrib import admin
from django.template.response import TemplateResponse

from audit.diff import diffs
from audit.queries import changes_of


class ChangeHistoryMixin:
    """A ModelAdmin mixin: the object's History page lists its audit change records."""

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        changes = list(changes_of(obj))
        changed = diffs(changes)
        for change in changes:
            change.field_changes = changed[change.pk]
        label = getattr(self, "object_label", str)(obj)  # audit.admin.people: people named
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change history: {label}",
            "object_label": label,
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
