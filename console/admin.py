"""The refused-request log in the console: read-only."""

from django.contrib import admin

from audit.admin.mixins import ReadOnlyAdmin
from console.models import Refusal


@admin.register(Refusal)
class RefusalAdmin(ReadOnlyAdmin):
    list_display = ("at", "status", "method", "path", "client", "address", "correlation_id")
    list_filter = ("status", "method", ("at", admin.DateFieldListFilter))
    search_fields = ("client", "path", "=correlation_id", "=address")
    date_hierarchy = "at"
    show_full_result_count = False
