"""The audit trail in the admin: read-only, filterable, searchable by object id; History pages
and change records shown as diffs (audit.diff)."""

import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html

from audit.admin.mixins import ChangeHistoryMixin, ReadOnlyAdmin
from audit.admin.people import PeopleNamedMixin
from audit.admin.search import PersonSearchMixin
from audit.csv_export import csv_rows
from audit.diff import diff_of, diffs
from audit.models import AuditContext, ChangeRecord
from audit.people import named, names_in


@admin.register(AuditContext)
class AuditContextAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "created_by", "client_repr", "implicit", "created_at")
    list_filter = ("implicit", "tenant", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("tenant",)
    search_fields = ("=id", "created_by", "authorized_app_id", "client_repr", "correlation_id")
    date_hierarchy = "created_at"
    readonly_fields = ("changes_made",)

    # the first changes made under a context, with their diffs; the rest in the filtered list
    SHOWN_CHANGES = 50

    @admin.display(description="changes made under this context")
    def changes_made(self, obj):
        changes = list(obj.changes.order_by("id")[:self.SHOWN_CHANGES + 1])
        more = len(changes) > self.SHOWN_CHANGES
        changes = changes[:self.SHOWN_CHANGES]
        changed = diffs(changes)
        for change in changes:
            change.field_changes = changed[change.pk]
        return render_to_string("admin/audit/context_changes.html", {
            "changes": changes, "more": more,
            "people": names_in(c.object_repr or c.object_id for c in changes),
            "all_url": reverse("admin:audit_changerecord_changelist") + f"?context={obj.pk}",
        })


@admin.register(ChangeRecord)
class ChangeRecordAdmin(PeopleNamedMixin, ChangeHistoryMixin, PersonSearchMixin, ReadOnlyAdmin):
    list_display = ("created_at", "action", "object_type", "object_named", "repr_named",
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
    fieldsets = (
        (None, {"fields": ("created_at", "action", "object_type", "object_link", "repr_named",
                           "actor_repr", "client_id", "context", "correlation_id")}),
        ("Changes", {"fields": ("changes",)}),
        ("Stored state", {"classes": ("collapse",), "fields": ("before_pretty", "after_pretty")}),
    )
    readonly_fields = ("object_link", "repr_named", "changes", "before_pretty", "after_pretty")
    show_full_result_count = False

    def person_texts(self, obj):
        # a stored state's ids are named on the record's page only (`before_pretty`)
        return [obj.object_id, obj.object_repr]

    def object_texts(self, obj):
        return [*self.person_texts(obj), _dump(obj.before), _dump(obj.after)]

    @admin.display(description="object id", ordering="object_id")
    def object_named(self, obj):
        return named(obj, obj.object_id)

    @admin.display(description="object repr", ordering="object_repr")
    def repr_named(self, obj):
        return named(obj, obj.object_repr)

    def lookup_allowed(self, lookup, value, request=None):
        # an audit context's page links to the list of its changes
        return lookup == "context" or super().lookup_allowed(lookup, value, request)

    def get_urls(self):
        export = path("export.csv", self.admin_site.admin_view(self.export_csv),
                      name="audit_changerecord_export")
        return [export, *super().get_urls()]

    def export_csv(self, request):
        """The records the list shows (its filters, search and date), every page, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changes = self.get_changelist_instance(request).get_queryset(request)
        response = StreamingHttpResponse(csv_rows(changes), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="change-records.csv"'
        return response

    @admin.display(description="object")
    def object_link(self, obj):
        url = (None if obj.action == ChangeRecord.Action.DELETE
               else _admin_url_of(obj.object_type, obj.object_id))
        text = f"{obj.object_type} {named(obj, obj.object_id)}"
        return format_html('<a href="{}">{}</a>', url, text) if url else text

    @admin.display(description="changed fields")
    def changes(self, obj):
        return render_to_string("admin/audit/diff_table.html", {"field_changes": diff_of(obj)})

    @admin.display(description="before")
    def before_pretty(self, obj):
        return _pretty(obj, obj.before)

    @admin.display(description="after")
    def after_pretty(self, obj):
        return _pretty(obj, obj.after)


def _admin_url_of(object_type: str, object_id: str) -> str | None:
    """The admin page of a recorded object, when it has one (it may be gone: its history
    page still answers)."""
    app_label, _, model_name = object_type.partition(".")
    try:
        return reverse(f"admin:{app_label}_{model_name}_history", args=[object_id])
    except NoReverseMatch:
        return None


def _dump(value) -> str:
    return "—" if value is None else json.dumps(value, indent=2, sort_keys=True)


def _pretty(record, value):
    """A stored state as JSON; a person's id stays (it is the record) and the name follows."""
    return format_html("<pre>{}</pre>", named(record, _dump(value), keep_ids=True))
