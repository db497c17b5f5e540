"""What the authorisations console pages share: a record's change history and the list filters."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from audit.queries import changes_of
from authorisations.queries import active_q


def change_history(obj) -> str:
    """The last changes of one record, newest first, linked to the read-only audit admin
    (its History page lists them all)."""
    if obj is None or obj.pk is None:
        return "—"
    rows = format_html_join(
        "", "<tr><td>{}</td><td>{}</td><td>{}</td><td><a href='{}'>details</a></td></tr>",
        ((r.created_at.strftime("%Y-%m-%d %H:%M:%S"), r.action, r.actor_repr,
          reverse("admin:audit_changerecord_change", args=[r.pk]))
         for r in changes_of(obj, limit=50)))
    return format_html("<table><tr><th>when</th><th>action</th><th>who</th><th></th></tr>{}"
                       "</table>", rows)


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Not deleted"), ("yes", "Deleted")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


class ActiveFilter(admin.SimpleListFilter):
    title = "active now"
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", "Active"), ("no", "Not active")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(active_q(timezone.now()))
        if self.value() == "no":
            return queryset.exclude(active_q(timezone.now()))
        return queryset
