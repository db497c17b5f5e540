r"""Entity paths of the CustomerID surface: `ORG/SUB`, `ORG/SUB/ROLE`, `ORG/SUB/USER`.

The rules are regular expressions (`core.patterns`): the services check names and paths with
them and the OpenAPI schema publishes them as the path parameters' `pattern`s.
"""

from __future__ import annotations

from core.patterns import matches
from orgs.errors import InvalidArgumentsError
from orgs.models import MAX_DEPTH, MAX_SEGMENT

# A name: 1-64 letters (ASCII, and the Latin letters with diacritics of U+00C0-U+024F but
# not the multiplication and division signs U+00D7, U+00F7), digits 0-9 and . _ @ + - ;
# never "/" nor whitespace, never "." or "..".
NAME_CHARS = r"A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f._@+\-"
SEGMENT = rf"(?!\.\.?(?:/|$))[{NAME_CHARS}]{{1,{MAX_SEGMENT}}}"
NAME = rf"^{SEGMENT}$"
NAME_RULE = f"1-{MAX_SEGMENT} letters, digits or . _ @ + -"


def path_pattern(levels: int, *, entity: str = "") -> str:
    """An organization path of 1 to `levels` names; with `entity`, followed by the name of a
    role or user (a user is never called `roles`: `user/…/roles` lists a user's roles)."""
    org = rf"{SEGMENT}(?:/{SEGMENT}){{0,{levels - 1}}}"
    if not entity:
        return rf"^{org}$"
    last = rf"(?!roles$){SEGMENT}" if entity == "user" else SEGMENT
    return rf"^{org}/{last}$"


ORG_PATH = path_pattern(MAX_DEPTH)
PARENT_PATH = path_pattern(MAX_DEPTH - 1)  # a new organization's parent leaves room for it
ROLE_PATH = path_pattern(MAX_DEPTH, entity="role")
USER_PATH = path_pattern(MAX_DEPTH, entity="user")


def segment_clean(value: str, what: str = "name") -> str:
    if not matches(NAME, value or ""):
        shown = value[:MAX_SEGMENT] + ("…" if len(value or "") > MAX_SEGMENT else "")
        raise InvalidArgumentsError(f"Invalid {what} {shown!r}: {NAME_RULE}.")
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
