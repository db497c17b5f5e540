"""What every app's admin shares: a service's refusal shown on the form that caused it, and
writes made as one service call each (docs/console.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from core.errors import DomainError

REFUSAL = "_service_refusal"  # the request attribute that carries a refusal to the form


class ServiceErrorsMixin:
    """A ModelAdmin mixin: a service's refusal (a DomainError or ValidationError, rolled back
    with the admin's transaction) is shown on the form again, with what was typed, on the field
    it is about, as a validation error would be; on a delete or an action, as an error message
    on the same page.

    The field: the error's own `field` (a service's name, translated by
    `service_field_names`), the keys of a ValidationError's dict, or `service_error_fields`
    by the error's class; otherwise the form's top."""

    service_error_fields: Mapping[type[Exception], str] = {}
    service_field_names: Mapping[str, str] = {}  # a service's name of a field → the form's

    def _guard(self, view, request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (DomainError, ValidationError) as error:
            return _refused(request, error)

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except (DomainError, ValidationError) as error:
            if request.method != "POST" or getattr(request, REFUSAL, None) is not None:
                return _refused(request, error)
            # the write was rolled back; the same POST again, the form now holding the refusal
            setattr(request, REFUSAL, error)
            return super().changeform_view(request, *args, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, REFUSAL, None)
        if refusal is None:
            return form
        placed = self.refusal_errors(refusal)

        class RefusedForm(form):
            def _post_clean(self):
                super()._post_clean()
                for field, texts in placed.items():
                    self.add_error(field if field in self.fields else None, texts)

        RefusedForm.__name__ = form.__name__
        return RefusedForm

    def refusal_errors(self, error: Exception) -> dict[str | None, list[str]]:
        """The refusal's messages by the form field they belong to (None: the whole form)."""
        names = self.service_field_names
        if isinstance(error, ValidationError):
            if hasattr(error, "error_dict"):
                return {names.get(key, key) if key != "__all__" else None: list(texts)
                        for key, texts in error.message_dict.items()}
            return {None: list(error.messages)}
        field = getattr(error, "field", None)
        if field is not None:
            return {names.get(field, field): [error.message]}
        for kind in type(error).__mro__:
            if kind in self.service_error_fields:
                return {self.service_error_fields[kind]: [error.message]}
        return {None: [f"{error.kind}: {error.message}"]}

    def delete_view(self, request, *args, **kwargs):
        return self._guard(super().delete_view, request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self._guard(super().changelist_view, request, *args, **kwargs)


def _refused(request, error: Exception) -> HttpResponseRedirect:
    """A refusal with no form to show it on: an error message on the same page."""
    if isinstance(error, DomainError):
        messages.error(request, f"{error.kind}: {error.message}")
    else:
        messages.error(request, "; ".join(error.messages))
    return HttpResponseRedirect(request.get_full_path())


class ServiceWritesMixin:
    """A ModelAdmin mixin: each write is one service call, so the service records one change
    with the real before and after.

    The admin saves in two steps (`save_model`, then `save_related` sets the many-to-many
    fields); here both become one `service_save(request, obj, form, change, related)` with the
    form's many-to-many values by field name. A delete, one object or a selection (the
    `delete_selected` action), is `service_delete` object by object. Inline formsets are saved
    after the object, as Django does: make them read-only or have them call services too."""

    def service_save(self, request, obj, form, change: bool,
                     related: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} saves through no service")

    def service_delete(self, request, obj) -> None:
        raise NotImplementedError(f"{type(self).__name__} deletes through no service")

    def save_model(self, request, obj, form, change):
        pass  # done in save_related, once the many-to-many values are at hand

    def save_related(self, request, form, formsets, change):
        related = {field.name: form.cleaned_data[field.name]
                   for field in self.model._meta.many_to_many if field.name in form.cleaned_data}
        self.service_save(request, form.instance, form, change, related)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        self.service_delete(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page and edited on their own (each write through its
    service there): no add, change or delete here."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
