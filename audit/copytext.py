"""Rows in PostgreSQL's COPY text format, built as plain strings.

psycopg formats COPY rows only through a `Copy` on a cursor of a live connection, one value at
a time. The bulk writers build their rows as text instead: the import commands in their
reading process, which has no connection it may use, and the change log's bulk writer, whose
rows share most of their columns. The format is columns separated by tabs, rows ended by a
newline, NULL as `\\N`, and backslash, tab, newline and carriage return escaped with a
backslash (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format").
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

NULL = "\\N"
_AS_STR = (int, float, Decimal, uuid.UUID)  # whose str() PostgreSQL reads back as the value


def copy_field(value) -> str:
    """One value: None, a bool, a str (JSON columns take JSON text), a number, a UUID, a
    date or datetime (ISO 8601: give datetimes a time zone)."""
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if type(value) is str:
        text = value
    elif isinstance(value, str):  # e.g. a choice: its text, whatever its class's __str__
        text = str.__str__(value)
    elif isinstance(value, (date, datetime)):
        text = value.isoformat()
    elif isinstance(value, _AS_STR):
        text = str(value)
    else:
        raise TypeError(f"no COPY text for a {type(value).__name__}")
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))
    return text


@lru_cache(maxsize=4096)
def _moment(value: datetime) -> str:
    """A datetime's text: a bulk write's rows share a few (their creation, their validity)."""
    return value.isoformat()


# the plain texts of the commonest types, without copy_field's checks (they need no escape)
_PLAIN = {type(None): lambda v: NULL, bool: lambda v: "t" if v else "f", int: str,
          uuid.UUID: str, datetime: _moment}


def copy_fields(values: tuple) -> str:
    """Values as consecutive columns of a row (tab-separated, no row end)."""
    texts = [v if type(v) is str else _PLAIN.get(type(v), copy_field)(v) for v in values]
    line = "\t".join(texts)
    # most rows need no escape: as many tabs as separators, a backslash per NULL only
    if (line.count("\t") == len(texts) - 1 and line.count("\\") == values.count(None)
            and "\n" not in line and "\r" not in line):
        return line
    return "\t".join(map(copy_field, values))


_UNESCAPE = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def copy_values(line: str) -> list[str | None]:
    """The values of a row of COPY text, as text (None for NULL): `copy_fields` undone."""
    if "\\" not in line.replace(NULL, ""):  # most rows: no escape but NULLs
        return [None if text == NULL else text for text in line.split("\t")]
    return [None if text == NULL else _unescape(text) if "\\" in text else text
            for text in line.split("\t")]


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(_UNESCAPE.get(text[i:i + 2], text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
