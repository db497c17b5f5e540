"""The console names the people whose ids its pages show (audit.people; docs/console.md,
"Names"): a ModelAdmin mixin for the lists, change forms and History pages of objects whose
text holds a person's id."""

from __future__ import annotations

from typing import Any

from audit.people import NAMES_ATTR, name_people, named, names_in, prefetch_person_names


class PeopleNamedMixin:
    """A ModelAdmin mixin. `person_texts(obj)`: what a list shows of an object that may hold
    a person's id (its `str` by default; add the columns); `object_texts(obj)`: what its own
    pages show. Their people are named once a page — the list's rows together (one query),
    the object of a change form or History page, the rows of its inlines — and shown by
    `object_label` (the title, breadcrumbs, success message, inline rows) and by display
    callables through `audit.people.named(obj, text)`."""

    def person_texts(self, obj: Any) -> list[Any]:
        return [str(obj)]

    def object_texts(self, obj: Any) -> list[Any]:
        """What the object's own pages show of it that may hold a person's id."""
        return [*self.person_texts(obj), str(obj)]

    def object_label(self, obj: Any) -> str:
        """The object's `str` with its people named."""
        return named(obj, str(obj))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            prefetch_person_names([obj], self.object_texts)
        return obj

    def get_changelist(self, request, **kwargs):
        base = super().get_changelist(request, **kwargs)
        texts = self.person_texts

        class NamedChangeList(base):
            def get_results(self, request):
                super().get_results(request)
                prefetch_person_names(self.result_list, texts)

        return NamedChangeList

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        if obj is not None and obj.pk is not None and not add:
            context["subtitle"] = self.object_label(obj)
            context["inline_admin_formsets"] = _named_inlines(
                context.get("inline_admin_formsets") or [])
        return super().render_change_form(request, context, add=add, change=change,
                                          form_url=form_url, obj=obj)

    def response_add(self, request, obj, post_url_continue=None):
        # the success message names the object by its label
        return super().response_add(request, _Labelled(obj, self._fresh_label(obj)),
                                    post_url_continue)

    def response_change(self, request, obj):
        return super().response_change(request, _Labelled(obj, self._fresh_label(obj)))

    def _fresh_label(self, obj: Any) -> str:
        """The label of an object just saved (its people may have changed)."""
        obj.__dict__.pop(NAMES_ATTR, None)
        return self.object_label(obj)


def _named_inlines(formsets: list) -> list:
    """The inlines, each row's caption (its object's `str`) with its people named: one query
    for every inline of the page."""
    originals = [form.instance for formset in formsets
                 for form in formset.formset.initial_forms]
    names = names_in(str(obj) for obj in originals)
    return [_NamedInline(formset, names) for formset in formsets] if names else formsets


class _Labelled:
    """An inline row's object, read as its label (the tabular template prints it)."""

    def __init__(self, obj: Any, label: str):
        self._obj, self._label = obj, label

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)

    def __str__(self) -> str:
        return self._label


class _NamedInline:
    """Django's InlineAdminFormSet, its rows' captions named."""

    def __init__(self, inline: Any, names: dict[str, str]):
        self._inline, self._names = inline, names

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inline, name)

    def __iter__(self):
        for form in self._inline:
            if form.original is not None:
                form.original = _Labelled(form.original, name_people(str(form.original),
                                                                     self._names))
            yield form
