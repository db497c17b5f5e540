"""The admin's pickers (autocomplete answers) label their items as the console does: a
ModelAdmin's `picker_label(obj)` names an item (an organization user by the person, a coded
item with its namespace), `picker_select_related` selects what that reads, so a page of
answers is one query. Routed at the admin's own autocomplete URL (config/urls.py)."""

from __future__ import annotations

from django.contrib.admin.views.autocomplete import AutocompleteJsonView


class PickerView(AutocompleteJsonView):
    def get_queryset(self):
        queryset = super().get_queryset()
        related = getattr(self.model_admin, "picker_select_related", ())
        return queryset.select_related(*related) if related else queryset

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "picker_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result
