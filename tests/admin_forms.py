"""Submitting an admin page's form as a browser would: the fields' values read from the
rendered HTML (inputs, checked boxes, selected options, text areas, inline management
forms), then changed where a test says."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _FormReader(HTMLParser):
    """The successful controls of the page's form with the given id (or, when none is given,
    the admin's change form: its id ends in `_form`)."""

    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.done = False
        self.data: dict[str, list[str]] = {}
        self.select: str | None = None
        self.select_multiple = False
        self.select_chosen: list[str] = []
        self.select_first: str | None = None
        self.option_value: str | None = None
        self.option_text = ""
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done:
            form_id = a.get("id") or ""
            if (form_id == self.form_id if self.form_id is not None
                    else form_id.endswith("_form")):
                self.inside = True
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value", "on"))
                return
            self.data.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name and "disabled" not in a:
            self.select, self.select_multiple = name, "multiple" in a
            self.select_chosen, self.select_first = [], None
        elif tag == "option" and self.select is not None:
            self.option_value = a.get("value")
            self.option_text = ""
            if self.select_first is None:
                self.select_first = a.get("value", "")
            if "selected" in a:
                self.select_chosen.append(a.get("value", ""))
        elif tag == "textarea" and name and "disabled" not in a:
            self.textarea, self.text = name, ""

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select" and self.select is not None:
            chosen = self.select_chosen
            if not chosen and not self.select_multiple and self.select_first is not None:
                chosen = [self.select_first]
            self.data[self.select] = chosen
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # the HTML parser keeps the newline a browser drops after <textarea>
            self.data.setdefault(self.textarea, []).append(self.text.removeprefix("\n"))
            self.textarea = None


def form_data(html: str | bytes, form_id: str | None = None) -> dict[str, list[str]]:
    """What a browser would post from the page's form, unchanged."""
    reader = _FormReader(form_id)
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    assert reader.done or reader.inside, "no form on the page"
    return reader.data


def changed(data: dict[str, list[str]], changes: dict[str, Any]) -> dict[str, list[str]]:
    """The form's data with some fields set (a list for several values; None: left empty,
    as an unchecked box or an empty multiple select)."""
    result = dict(data)
    for name, value in changes.items():
        if value is None:
            result.pop(name, None)
        elif isinstance(value, (list, tuple, set)):
            result[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                result[name] = ["on"]
            else:
                result.pop(name, None)
        else:
            result[name] = [str(value)]
    return result


def form_errors(response) -> str:
    """The errors a re-shown admin form holds (for an assertion's message)."""
    context = response.context or {}
    found = []
    adminform = context.get("adminform")
    if adminform is not None:
        found.append(f"form: {adminform.form.errors.as_data()}")
    for inline in context.get("inline_admin_formsets") or ():
        found.append(f"{inline.formset.prefix}: {inline.formset.errors} "
                     f"{inline.formset.non_form_errors()}")
    if context.get("errors"):
        found.append(f"errors: {context['errors']}")
    return "; ".join(found) or response.content.decode()[:2000]
