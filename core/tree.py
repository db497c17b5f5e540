"""Materialized paths ("a/b/c"): a subtree is one index range, whatever its depth or size."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

SEPARATOR = "/"


def within(path: str, root: str) -> bool:
    """`path` is `root` or below it."""
    return path == root or path.startswith(root + SEPARATOR)


def subtree_q(path: str, field: str = "path", *, include_root: bool = True) -> Q:
    """Rows whose `field` (a materialized path) is `path` or below it (one index range).

    PostgreSQL: `LIKE 'p/%'`, served by a varchar_pattern_ops index (Django adds one to unique
    CharFields). SQLite: LIKE ignores case there, so the byte range ['p/', 'p0') is used
    instead ('0' follows '/' in ASCII; SQLite compares BINARY).
    """
    if connection.vendor == "postgresql":
        below = Q(**{f"{field}__startswith": path + SEPARATOR})
    else:
        below = Q(**{f"{field}__gte": path + SEPARATOR, f"{field}__lt": path + "0"})
    return (Q(**{field: path}) | below) if include_root else below


def top_roots(paths: list[str]) -> tuple[str, ...]:
    """The paths not below another of them (a subtree granted twice counts once)."""
    roots: list[str] = []
    for path in sorted(paths):  # an ancestor sorts before its descendants
        if not any(within(path, root) for root in roots):
            roots.append(path)
    return tuple(roots)
