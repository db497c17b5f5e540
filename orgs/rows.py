"""Rows of the bulk files (CSV or NDJSON): reading them lazily, writing them, and the cell
parsing the organization and user importers share."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from orgs.errors import InvalidArgumentsError

BATCH = 2000
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


class RowError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line, self.message = line, message


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def open_input(path: str) -> io.TextIOBase:
    """The file, or for `-` standard input through a duplicate of its descriptor (a process
    forked by multiprocessing closes sys.stdin; the duplicate stays open, and closing it
    leaves stdin alone). A stdin without a descriptor is wrapped as it is."""
    if path != "-":
        return open(path, encoding="utf-8-sig", newline="")
    try:
        descriptor = os.dup(sys.stdin.fileno())
    except (AttributeError, OSError, ValueError):
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
    return open(descriptor, encoding="utf-8-sig", newline="")


def has_descriptor(stream) -> bool:
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True


def detect_format(path: str, given: str | None) -> str:
    if given:
        return given
    return "ndjson" if path.endswith((".ndjson", ".jsonl", ".json")) else "csv"


def read_rows(stream: Iterable[str], fmt: str) -> Iterator[tuple[int, dict]]:
    """(line number, row) pairs, read lazily. CSV: a header row; NDJSON: an object a line."""
    if fmt == "csv":
        reader = csv.reader(stream)
        header = next(reader, None)
        if header is None:
            return
        width = len(header)
        for cells in reader:
            if not cells:
                continue  # a blank line, as csv.DictReader skips it
            if len(cells) > width:
                raise RowError(reader.line_num, "more fields than the header names")
            yield reader.line_num, dict(zip(header, cells, strict=False))
        return
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            raise RowError(number, f"not JSON: {error.msg}") from None
        if not isinstance(row, dict):
            raise RowError(number, "expected a JSON object")
        yield number, row


def batches(rows: Iterator[tuple[int, dict]], size: int | None = None) -> Iterator[list]:
    size = size or BATCH
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_rows(out, rows: Iterable[dict], columns: list[str], fmt: str) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    else:
        for row in rows:
            out.write(json.dumps({k: v for k, v in row.items() if v not in ("", None)},
                                 ensure_ascii=False) + "\n")
            count += 1
    return count


def text(row: dict, name: str) -> str | None:
    """A cell as text; one with a NUL character is refused (no database column can hold
    one: PostgreSQL refuses it, SQLite would store it)."""
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
        raise InvalidArgumentsError(f"{name} contains a NUL character")
    return value


def flag(row: dict, name: str, line: int) -> bool | None:
    value = text(row, name)
    if not value:
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise RowError(line, f"{name} must be true or false")


def attributes(row: dict, allowed: list[str], known: frozenset[str], line: int) -> dict:
    """Custom attribute columns: a list (NDJSON) or comma-separated text; empty = absent."""
    result: dict[str, list[str]] = {}
    for key, value in row.items():
        if key in known:
            continue
        if key not in allowed:
            raise RowError(line, f"unknown attribute {key[:64]!r}")
        values = value if isinstance(value, list) else str(value or "").split(",")
        values = [str(v).strip() for v in values if str(v).strip()]
        if any("\x00" in v for v in values):
            raise RowError(line, f"{key[:64]} contains a NUL character")
        if values:
            result[key] = values
    return result
