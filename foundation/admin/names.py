"""Names, not UUIDs, in the operator console (docs/console.md, "Names").

- `PersonNamesMiddleware`: every admin page (and the pickers' autocomplete answers) names the
  people whose ids it shows: a person's id in the page's text becomes `uid (First Last)`
  (`core.names.person_label`), whatever wrote the text — a list column, a change record's
  object, a success message, an inline. Attributes (links, form values) keep the ids. One
  query for the page's ids (and one more for the ids of people since deleted, named from
  their tombstones).
- (`audit.people_search.PersonSearchMixin`: a list whose rows name people by id is searchable
  by username, uid and email.)
- `WordLabelsMixin`: labels in words where a model's verbose name is a wire name, on forms,
  list columns and filters, without a migration.
- `NamespacedFilter`, `NamespacedPickerMixin`, `NamespacedChoicesMixin`: coded items
  (authorisation types and sources) that share a code across namespaces show their namespace.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import display_for_field
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.urls import NoReverseMatch, reverse

from audit.models import ChangeRecord
from core.names import UUID_RE, person_label

IDENTITY = "identities.identity"
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
_RAW = {"script", "style", "textarea"}  # their text is code or a form value, not prose


# --- resolving ids to names ---------------------------------------------------------------------

def person_names(ids: Iterable[str]) -> dict[str, str]:
    """id (lowercase text) → the person's label, for the ids that are identities (one query),
    or were (one more query, over the tombstones, only when some are not)."""
    wanted = {i.lower() for i in ids}
    if not wanted:
        return {}
    names = {str(pk): person_label(pk=pk, username=u, first_name=f, last_name=la, email=e)
             for pk, u, f, la, e in get_user_model().objects.filter(pk__in=wanted).values_list(
                 "pk", "username", "first_name", "last_name", "email")}
    gone = wanted - names.keys()
    if gone:
        for object_id, before in ChangeRecord.objects.filter(
                object_type=IDENTITY, action=ChangeRecord.Action.DELETE,
                object_id__in=gone).values_list("object_id", "before"):
            before = before or {}
            names[object_id] = person_label(
                pk=object_id, username=before.get("username", ""),
                first_name=before.get("first_name", ""), last_name=before.get("last_name", ""),
                email=before.get("email", "")) + " (deleted)"
    return names


def _ids_in(texts: Iterable[str]) -> set[str]:
    return {m.group(0).lower() for text in texts for m in UUID_RE.finditer(text)}


def name_people_in_text(text: str, names: dict[str, str], *, keep_ids: bool = False,
                        escape: bool = False) -> str:
    """`text` with each person's id replaced by the person's label (`keep_ids`: the id stays,
    the label follows it)."""
    def named(match: re.Match) -> str:
        label = names.get(match.group(0).lower())
        if label is None:
            return match.group(0)
        label = html.escape(label) if escape else label
        return f"{match.group(0)} — {label}" if keep_ids else label
    return UUID_RE.sub(named, text)


def name_people_in_html(page: str) -> str:
    """The text of an HTML page with people named (tags, attributes and the text of script,
    style and textarea untouched; inside <pre>, the id stays and the label follows)."""
    parts = _TAG.split(page)
    raw: str | None = None
    pre = 0
    texts: list[tuple[int, bool]] = []  # (index of a text part to name, inside <pre>)
    for index, part in enumerate(parts):
        if index % 2:
            match = _TAG_NAME.match(part)
            if match is None:
                continue
            closing, name = match.group(1) == "/", match.group(2).lower()
            if raw is None and not closing and name in _RAW:
                raw = name
            elif closing and name == raw:
                raw = None
            elif name == "pre":
                pre = max(0, pre + (-1 if closing else 1))
        elif raw is None and UUID_RE.search(part):
            texts.append((index, pre > 0))
    if not texts:
        return page
    names = person_names(_ids_in(parts[i] for i, _ in texts))
    if not names:
        return page
    for index, in_pre in texts:
        parts[index] = name_people_in_text(parts[index], names, keep_ids=in_pre, escape=True)
    return "".join(parts)


class PersonNamesMiddleware:
    """Names the people on the console's pages (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._prefix: str | None = None

    def _admin_prefix(self) -> str | None:
        if self._prefix is None:
            try:
                self._prefix = reverse("admin:index")
            except NoReverseMatch:
                self._prefix = ""
        return self._prefix or None

    def __call__(self, request):
        response = self.get_response(request)
        prefix = self._admin_prefix()
        if (prefix is None or not request.path.startswith(prefix) or response.streaming
                or response.status_code != 200):
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html"):
            charset = response.charset or "utf-8"
            named = name_people_in_html(response.content.decode(charset))
            response.content = named.encode(charset)
        elif content_type.startswith("application/json") and request.path.endswith(
                "/autocomplete/"):
            response.content = _name_autocomplete(request, response.content)
        return response


def _picker_admin(request):
    """The ModelAdmin of the model an autocomplete request picks from, if known."""
    try:
        model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        target = model._meta.get_field(request.GET["field_name"]).related_model
    except (KeyError, LookupError, FieldDoesNotExist):
        return None
    return admin.site._registry.get(target)


def _name_autocomplete(request, content: bytes) -> bytes:
    """The pickers' answers: people named; items of a model whose admin has
    `picker_labels(ids)` labelled by it."""
    data = json.loads(content)
    results = data.get("results") or []
    picker_labels = getattr(_picker_admin(request), "picker_labels", None)
    if picker_labels is not None and results:
        labels = picker_labels([r["id"] for r in results])
        for result in results:
            result["text"] = labels.get(str(result["id"]), result["text"])
    names = person_names(_ids_in(str(r.get("text", "")) for r in results))
    for result in results:
        result["text"] = name_people_in_text(str(result.get("text", "")), names)
    return json.dumps(data).encode()


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
    item's namespace (`picker_labels`, applied by `PersonNamesMiddleware`)."""

    def picker_labels(self, ids: list[str]) -> dict[str, str]:
        return {str(item.pk): namespaced_label(item) for item in
                self.model._default_manager.filter(pk__in=ids).select_related("namespace")}


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
    names = person_names(_ids_in(values.values()))
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
