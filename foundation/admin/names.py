"""Names, not UUIDs, in the operator console (docs/console.md, "Names").

- People are named where the console shows them, by the admin's own means: `audit.people`
  (`person_names`, kept here too, names a page's people in one query), the ModelAdmin mixin
  `audit.admin.people.PeopleNamedMixin` (lists, titles, inline rows), display callables, the
  `person_name` template filter, and `PersonFieldsMixin` (a form's field holding a person's id
  says whom it names).
- (`audit.admin.search.PersonSearchMixin`: a list whose rows name people by id is searchable
  by username, uid and email.)
- `WordLabelsMixin`: labels in words where a model's verbose name is a wire name, on forms,
  list columns and filters, without a migration.
- `NamespacedFilter`, `NamespacedPickerMixin`, `NamespacedChoicesMixin`: coded items
  (authorisation types and sources) that share a code across namespaces show their namespace.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import display_for_field

from audit.people import ids_in, person_names

__all__ = ["NamespacedChoicesMixin", "NamespacedFilter", "NamespacedPickerMixin",
           "PersonFieldsMixin", "WordLabelsMixin", "name_person_fields", "person_names"]


# --- labels in words ----------------------------------------------------------------------------

class _Titled(admin.FieldListFilter):
    """A field's usual list filter under another title (see `WordLabelsMixin`)."""

    title_text = ""

    def __new__(cls, field, request, params, model, model_admin, field_path):
        spec = admin.FieldListFilter.create(field, request, params, model, model_admin,
                                            field_path=field_path)
        spec.title = cls.title_text
        return spec


class WordLabelsMixin:
    """A ModelAdmin mixin: `labels` maps a field (or a list filter's path) to the words an
    operator reads, in place of a verbose name that is a wire name (`friendlyName`). Applied
    to the form (fields and read-only fields), the list's columns and its filters; the model
    is unchanged, so no migration."""

    labels: dict[str, str] = {}

    def get_form(self, request, obj=None, change=False, **kwargs):
        own = {name: label for name, label in self.labels.items() if "__" not in name}
        kwargs["labels"] = {**own, **(kwargs.get("labels") or {})}
        return super().get_form(request, obj, change=change, **kwargs)

    def get_list_display(self, request):
        return [self._column(name) if isinstance(name, str) and name in self.labels else name
                for name in super().get_list_display(request)]

    def get_list_filter(self, request):
        result = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and item in self.labels:
                item = (item, type("Titled", (_Titled,), {"title_text": self.labels[item]}))
            result.append(item)
        return result

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        if links is None or not self.labels:
            return links
        return [self._column(name) if isinstance(name, str) and name in self.labels else name
                for name in links]

    def _column(self, name: str):
        columns = self.__dict__.setdefault("_word_columns", {})
        if name not in columns:
            field = self.model._meta.get_field(name)

            def column(obj):
                return display_for_field(getattr(obj, name), field, "—")

            column.short_description = self.labels[name]
            column.admin_order_field = name
            column.__name__ = name
            columns[name] = column
        return columns[name]


# --- namespaces in filters and pickers ----------------------------------------------------------

def namespaced_label(item) -> str:
    """A coded item (an authorisation type or source) with its namespace."""
    return f"{item} ({item.namespace.code})"


class NamespacedFilter(admin.RelatedFieldListFilter):
    """A list filter over coded items: a code used in several namespaces shows its
    namespace."""

    def field_choices(self, field, request, model_admin):
        items = list(field.related_model._default_manager.select_related("namespace")
                     .order_by("code", "namespace__code"))
        counts: dict[str, int] = {}
        for item in items:
            counts[str(item)] = counts.get(str(item), 0) + 1
        return [(item.pk, namespaced_label(item) if counts[str(item)] > 1 else str(item))
                for item in items]


class NamespacedPickerMixin:
    """A ModelAdmin mixin for coded items: the pickers' (autocomplete) answers show each
    item's namespace (foundation.admin.pickers)."""

    picker_select_related = ("namespace",)

    def picker_label(self, item) -> str:
        return namespaced_label(item)


class NamespacedChoicesMixin:
    """A ModelAdmin mixin for the admin that picks coded items (`namespaced_fields`): the
    chosen value shows its namespace, as the picker's answers do."""

    namespaced_fields: tuple[str, ...] = ()

    def _namespaced(self, db_field, field):
        if field is not None and db_field.name in self.namespaced_fields:
            field.queryset = field.queryset.select_related("namespace")
            field.label_from_instance = namespaced_label
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._namespaced(
            db_field, super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._namespaced(
            db_field, super().formfield_for_manytomany(db_field, request, **kwargs))


def name_person_fields(form, fields: tuple[str, ...]) -> None:
    """On a form whose text fields hold a person's id (an authorisation's subject and object
    values), each such field says whom it names (one query)."""
    values = {name: str(form.initial.get(name) or "") for name in fields if name in form.fields}
    names = person_names(ids_in(values.values()))
    for name, value in values.items():
        label = names.get(value.lower())
        if label is not None:
            form.fields[name].help_text = f"The person {label}."


class PersonFieldsMixin:
    """A ModelAdmin mixin: the form's text fields in `person_fields` that hold a person's id
    (an authorisation's subject; the username of a person without a uid) say whom it names."""

    person_fields: tuple[str, ...] = ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        fields = self.person_fields

        def init(form, *args, **kw):
            base.__init__(form, *args, **kw)
            name_person_fields(form, fields)

        return type(base.__name__, (base,), {"__init__": init})
