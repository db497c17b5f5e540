"""Helpers of the no-op write tests: a write sent twice, an admin page saved as it is."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import ChangeRecord


def records() -> int:
    return ChangeRecord.objects.count()


def newest(count: int = 1) -> list[dict]:
    return list(ChangeRecord.objects.order_by("-id").values(
        "action", "object_type", "before", "after")[:count])


def twice(send: Callable, *, then: Callable | None = None) -> None:
    """`send()` once (it may record), then again: the second leaves no change record and
    runs no UPDATE; `then()`, a real change, records exactly one."""
    first = send()
    assert first.status_code in (200, 201), first.content
    count = records()
    with CaptureQueriesContext(connection) as queries:
        again = send()
    assert again.status_code in (200, 201), again.content
    assert records() == count, newest(2)
    updates = [q["sql"] for q in queries.captured_queries
               if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert updates == []
    if then is not None:
        changed = then()
        assert changed.status_code == 200, changed.content
        assert records() == count + 1, newest(2)


class _Form(HTMLParser):
    """The fields of an admin change page's form, as a browser submits them."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        kind = a.get("type")
        if tag == "input" and name and kind not in ("submit", "button", "file", "image"):
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._add(name, a.get("value") or ("on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None


def save_unchanged(client, url: str) -> None:
    """Open an admin change page and save it as it is: no change record, no UPDATE."""
    page = client.get(url)
    assert page.status_code == 200, url
    form = _Form()
    form.feed(page.content.decode())
    count = records()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, form.data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert records() == count, (url, newest())
    updates = [q["sql"] for q in queries.captured_queries
               if q["sql"].lstrip().upper().startswith("UPDATE")
               and "django_session" not in q["sql"]]
    assert updates == [], (url, updates)
