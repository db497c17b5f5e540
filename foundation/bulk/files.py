"""Bulk files: CSV (a header row) or NDJSON (a JSON object a line), read lazily with line
numbers from a file or standard input, in any encoding a byte-order mark names; and written.

A row that cannot be read (bad JSON, more cells than the header names) is handed on as a
`RowError` in place of the row, so every bad row of a file is reported, not only the first; a
file that cannot be read at all (its encoding) raises.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from core.json_depth import MAX_DEPTH, deeper_than
from foundation.bulk.report import RowError

FORMATS = ("csv", "ndjson")
# a byte-order mark names its encoding, whatever --encoding says (UTF-32's before UTF-16's:
# they begin alike)
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"))
TRUE, FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})


class CellError(ValueError):
    """A cell whose value cannot mean anything (the importer reports its row's line)."""


class Input:
    """An input stream, and whether closing it is ours to do: a wrapper of stdin's own
    buffer is detached instead, so that stdin stays open."""

    def __init__(self, stream: IO[str], *, owned: bool, borrowed: bool = False):
        self.stream, self.owned, self.borrowed = stream, owned, borrowed

    def has_descriptor(self) -> bool:
        """A forked reading process can read it (it has a descriptor of its own)."""
        try:
            self.stream.fileno()
        except (AttributeError, OSError, ValueError):
            return False
        return True

    def close(self) -> None:
        if self.owned:
            self.stream.close()
        elif self.borrowed:
            self.stream.detach()


def open_input(path: str, encoding: str = "utf-8") -> Input:
    """The file, or for `-` standard input through a duplicate of its descriptor (a process
    forked by multiprocessing closes sys.stdin; the duplicate stays open, and closing it
    leaves stdin alone), decoded as its byte-order mark says, else as `encoding`."""
    codecs.lookup(encoding)  # an unknown encoding is refused before anything is read
    if path != "-":
        return Input(_decoded(open(path, "rb"), encoding), owned=True)
    try:
        raw = open(os.dup(sys.stdin.fileno()), "rb")  # noqa: SIM115 (closed by Input)
    except (AttributeError, OSError, ValueError):
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:  # a text stream without bytes (tests): read as it is
            return Input(sys.stdin, owned=False)
        return Input(_decoded(buffer, encoding), owned=False, borrowed=True)
    return Input(_decoded(raw, encoding), owned=True)


def _decoded(raw: io.BufferedReader, encoding: str) -> io.TextIOWrapper:
    head = raw.peek(4)[:4]
    for bom, name in BOMS:
        if head.startswith(bom):
            encoding = name
            break
    else:
        if codecs.lookup(encoding).name == "utf-8":
            encoding = "utf-8-sig"
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


def detect_format(path: str, given: str | None) -> str:
    if given:
        return given
    return "ndjson" if path.endswith((".ndjson", ".jsonl", ".json")) else "csv"


def read_rows(stream: Iterable[str], fmt: str, *,
              on_header: Callable[[list[str]], None] | None = None,
              ) -> Iterator[tuple[int, dict | RowError]]:
    """(line, row) pairs, read lazily: a CSV row as {column: text} (a short row lacks its
    last columns), an NDJSON row as its object. `on_header` may refuse a CSV header
    (raising RowError). The line is where the row begins (a quoted CSV value may span
    lines)."""
    if fmt == "csv":
        yield from _csv_rows(stream, on_header)
        return
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        if deeper_than(line.encode(), MAX_DEPTH):  # json.loads would recurse past the stack
            yield number, RowError(number, f"JSON nested deeper than {MAX_DEPTH} levels")
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            yield number, RowError(number, f"not valid JSON ({error.msg})")
            continue
        if not isinstance(row, dict):
            yield number, RowError(number, "expected a JSON object")
            continue
        yield number, row


def _csv_rows(stream, on_header) -> Iterator[tuple[int, dict | RowError]]:
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        return
    if on_header is not None:
        on_header(header)
    width = len(header)
    start = reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if not cells:
            continue  # a blank line, as csv.DictReader skips it
        if len(cells) > width:
            yield line, RowError(line, "more values than the header has columns")
            continue
        yield line, dict(zip(header, cells, strict=False))


def write_rows(out: IO[str], rows: Iterable[dict], columns: list[str], fmt: str) -> int:
    """CSV (the columns, in order; missing values empty) or NDJSON (each row's object)."""
    if fmt == "csv":
        return write_csv(out, ([row.get(c, "") for c in columns] for row in rows), columns)
    count = 0
    for row in rows:
        out.write(json.dumps(row) + "\n")
        count += 1
    return count


def write_csv(out: IO[str], rows: Iterable[list], columns: list[str]) -> int:
    """CSV of rows already in the columns' order (the fast way: no dict a row)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for values in rows:
        writer.writerow(values)
        count += 1
    return count


# --- cells: what a row's value means, the same for every importer ------------------------------

def text(row: dict, name: str) -> str | None:
    """A cell as text, trimmed (NDJSON numbers and booleans as their text); None when absent.
    A NUL character is refused: no database column can hold one (PostgreSQL refuses it,
    SQLite would store it)."""
    value = row.get(name)
    if value is None:
        return None
    if value.__class__ is str:
        value = value.strip()
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif isinstance(value, list):
        value = ",".join(str(v) for v in value)
    else:
        value = str(value).strip()
    if "\x00" in value:
        raise CellError(f"{name} contains a NUL character")
    return value


def flag(row: dict, name: str) -> bool | None:
    """A true/false cell (true, 1, yes / false, 0, no, any case); None when empty."""
    value = text(row, name)
    if not value:
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise CellError(f"{name} must be true or false")
