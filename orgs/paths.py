"""Entity paths of the CustomerID surface: `ORG/SUB`, `ORG/SUB/ROLE`, `ORG/SUB/USER`."""

from __future__ import annotations

import re

from orgs.errors import InvalidArgumentsError
from orgs.models import MAX_DEPTH, MAX_SEGMENT

# Letters (any script), digits and . _ @ + - ; never "/" nor whitespace, never "." or "..".
SEGMENT = re.compile(rf"^[\w.@+\-]{{1,{MAX_SEGMENT}}}$")


def segment_clean(value: str, what: str = "name") -> str:
    if not SEGMENT.match(value or "") or value in {".", ".."}:
        shown = value[:MAX_SEGMENT] + ("…" if len(value or "") > MAX_SEGMENT else "")
        raise InvalidArgumentsError(
            f"Invalid {what} {shown!r}: 1-{MAX_SEGMENT} letters, digits or . _ @ + -."
        )
    return value


def path_split(path: str, *, what: str = "organization path") -> list[str]:
    """The segments of a path (no leading, trailing or doubled slash), each validated."""
    parts = (path or "").split("/")
    if len(parts) > MAX_DEPTH + 1:
        raise InvalidArgumentsError(f"Invalid {what}: deeper than {MAX_DEPTH} levels.")
    return [segment_clean(part, what) for part in parts]


def org_path_clean(path: str) -> str:
    parts = path_split(path)
    if len(parts) > MAX_DEPTH:
        raise InvalidArgumentsError(f"Invalid organization path: deeper than {MAX_DEPTH} levels.")
    return "/".join(parts)


def entity_path_split(path: str, what: str) -> tuple[str, str]:
    """`ORG/SUB/NAME` → (`ORG/SUB`, `NAME`); an entity needs an organization and a name."""
    parts = path_split(path, what=f"{what} path")
    if len(parts) < 2:
        raise InvalidArgumentsError(f"Invalid {what} path: expected ORGANIZATION/…/{what.upper()}.")
    return "/".join(parts[:-1]), parts[-1]


def child_path(parent_path: str | None, name: str) -> str:
    return f"{parent_path}/{name}" if parent_path else name
