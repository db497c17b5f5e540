"""SCIM filters (RFC 7644 §3.4.2.2) turned into `Q` through an explicit attribute whitelist.

scim2-filter-parser lexes and parses; this module walks its tree itself, so that

- only whitelisted attributes reach the ORM, each through the field path the whitelist names
  (user input is never used as a lookup key), and an unknown attribute is an error, not ignored;
- values are typed per attribute (date-times parsed, booleans checked), with a message when not;
- `and` binds tighter than `or` (the parser gives both the same precedence, left to right, so
  unparenthesised chains are re-associated here).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from scim2_filter_parser import ast
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser

from core.errors import InvalidInputError
from core.patterns import INSTANT_EDGES

MAX_FILTER_LENGTH = 4096
# The OpenAPI schema names a filter's grammar with this format, and lists its attributes and
# their kinds under this extension (schemathesis draws valid filters from them).
SCIM_FORMAT = "scim-filter"
SCIM_EXTENSION = "x-scim-attributes"


class FilterError(InvalidInputError, ValueError):
    """A filter that cannot be parsed or names something it may not; the message says which
    (answered 400 as `filter: …`)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = f"filter: {message}"


class Quoted(str):
    """A string literal of the filter (the parser alone cannot tell `"true"` from `true`)."""


@dataclass(frozen=True)
class Attr:
    """One filterable attribute: its ORM path and how its values compare.

    kind: `string` (case-exact), `text` (compared case-insensitively: SCIM's `caseExact:
    false`), `enum` (case-insensitive, stored lower-case), `datetime`, `boolean`, `uuid`.
    A computed attribute gives `build(op, value, now) -> Q` instead of a path.
    """

    path: str
    kind: str = "string"
    nullable: bool = False
    build: Callable[[str, object, datetime], Q] | None = None


def filter_kinds(attrs: Mapping[str, Attr]) -> dict[str, str]:
    """Each attribute's kind as the schema publishes it: `string`, `text`, `enum`, `datetime`,
    `boolean`, `uuid`; `?` when it can be null; for a built attribute (eq/ne/pr only)
    `computed` when it compares with true or false, `member` when with a quoted string that
    must be among the record's (a grant right's `authorisationTypes`)."""
    return {name: _published_kind(attr) + ("?" if attr.nullable else "")
            for name, attr in attrs.items()}


def _published_kind(attr: Attr) -> str:
    if attr.build is None:
        return attr.kind
    return "computed" if attr.kind == "boolean" else "member"


STRING_OPS = {"eq": "exact", "co": "contains", "sw": "startswith", "ew": "endswith",
              "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}
ORDER_OPS = {"eq": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}
TEXT_OPS = {**STRING_OPS, "eq": "iexact", "co": "icontains", "sw": "istartswith",
            "ew": "iendswith"}


def parse(text: str, attrs: Mapping[str, Attr], *, now: datetime | None = None) -> Q:
    """The `Q` of a filter string; `now` is the instant computed attributes (`active`) use."""
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterError(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    try:
        tree = SCIMParser().parse(_tokens(text))
    except RecursionError:
        raise FilterError("The filter is nested too deeply.") from None
    except Exception as error:  # the lexer raises ValueError, the parser its own errors
        raise FilterError(f"The filter cannot be parsed: {_describe(error)}") from None
    if tree is None:
        raise FilterError("The filter cannot be parsed: it is incomplete.")
    walker = _Walker({k.lower(): v for k, v in attrs.items()}, now or timezone.now())
    try:
        return walker.node(tree, None)
    except RecursionError:
        raise FilterError("The filter is nested too deeply.") from None


def _describe(error: Exception) -> str:
    message = str(error)
    token = getattr(error, "args", [None])[0]
    if message.startswith("Parsing error at: Token("):
        return "unexpected " + message.removeprefix("Parsing error at: ")
    if message == "Parsing error at: None" or token is None:
        return "it ends too early."
    return message


def _tokens(text: str):
    for token in SCIMLexer().tokenize(text):
        if token.type == "COMP_VALUE":
            token.value = Quoted(token.value)
        yield token


class _Walker:
    def __init__(self, attrs: Mapping[str, Attr], now: datetime):
        self.attrs = attrs
        self.now = now

    def node(self, node, prefix: str | None) -> Q:
        if isinstance(node, ast.Filter):
            if node.namespace is not None:
                query = self.node(node.expr, self.value_path(node.namespace, prefix))
            elif isinstance(node.expr, ast.LogExpr):
                query = self.chain(node.expr, prefix)
            else:
                query = self.node(node.expr, prefix)
            return ~query if node.negated else query
        if isinstance(node, ast.LogExpr):
            return self.chain(node, prefix)
        if isinstance(node, ast.AttrExpr):
            return self.comparison(node, prefix)
        raise FilterError("The filter cannot be parsed.")

    def value_path(self, path, prefix: str | None) -> str:
        if prefix or path.uri or path.sub_attr or not isinstance(path.attr_name, str):
            raise FilterError("Nested attribute filters like a[b[...]] are not supported.")
        return path.attr_name

    def chain(self, node: ast.LogExpr, prefix: str | None) -> Q:
        """`a or b and c` as `a or (b and c)`: and-groups joined by or."""
        items = self.flatten(node)
        groups: list[Q] = []
        current = self.node(items[0], prefix)
        for op, operand in zip(items[1::2], items[2::2], strict=True):
            query = self.node(operand, prefix)
            if op.lower() == "and":
                current &= query
            else:
                groups.append(current)
                current = query
        groups.append(current)
        result = groups[0]
        for query in groups[1:]:
            result |= query
        return result

    def flatten(self, node) -> list:
        if isinstance(node, ast.LogExpr):
            return [*self.flatten(node.expr1), node.op, *self.flatten(node.expr2)]
        if (isinstance(node, ast.Filter) and not node.negated and node.namespace is None
                and isinstance(node.expr, ast.LogExpr)):
            return self.flatten(node.expr)
        return [node]

    def comparison(self, node: ast.AttrExpr, prefix: str | None) -> Q:
        path = node.attr_path
        if not isinstance(path.attr_name, str):
            raise FilterError("Attribute paths like a[...].b are not supported.")
        if path.uri:
            raise FilterError(f"Schema URIs are not supported ({path.uri}).")
        name = path.attr_name + (f".{path.sub_attr.value}" if path.sub_attr else "")
        if prefix:
            if path.sub_attr:
                raise FilterError(f"Unknown filter attribute '{prefix}.{name}'.")
            name = f"{prefix}.{name}"
        attr = self.attrs.get(name.lower())
        if attr is None:
            raise FilterError(f"Unknown filter attribute '{name}'.")
        op = node.value.lower()
        raw = node.comp_value.value if node.comp_value is not None else None
        return self.build(name, attr, op, raw)

    def build(self, name: str, attr: Attr, op: str, raw) -> Q:
        if attr.build is not None or attr.kind in ("boolean", "uuid"):
            table = {"eq": "exact"}
        elif attr.kind in ("string", "enum"):
            table = STRING_OPS
        elif attr.kind == "text":
            table = TEXT_OPS
        else:
            table = ORDER_OPS
        if op != "pr" and ("eq" if op == "ne" else op) not in table:
            raise FilterError(f"The operator '{op}' does not apply to {name}.")
        value = self.value(name, attr, op, raw)
        if attr.build is not None:
            return attr.build(op, value, self.now)
        field = attr.path
        if op == "pr":
            present = Q(**{f"{field}__isnull": False})
            if attr.kind in ("string", "enum", "text"):
                present &= ~Q(**{field: ""})
            return present
        if value is None:
            if op not in ("eq", "ne"):
                raise FilterError(f"'{op}' cannot compare {name} with null.")
            query = Q(**{f"{field}__isnull": True})
            return query if op == "eq" else ~query
        query = Q(**{f"{field}__{table['eq' if op == 'ne' else op]}": value})
        return ~query if op == "ne" else query

    def value(self, name: str, attr: Attr, op: str, raw):
        if op == "pr" or raw is None:
            return None
        quoted = isinstance(raw, Quoted)
        if not quoted and raw == "null":
            return None
        kind = attr.kind
        if kind == "boolean":
            if quoted or raw not in ("true", "false"):
                raise FilterError(f"{name} compares with true or false.")
            return raw == "true"
        if not quoted:
            raise FilterError(f"{name} compares with a quoted string, not {raw}.")
        if kind == "datetime":
            return _instant(name, str(raw))
        if kind == "uuid":
            try:
                return uuid.UUID(str(raw))
            except ValueError:
                raise FilterError(f"{name} compares with a UUID; {raw!r} is not one.") from None
        if kind == "enum":
            return str(raw).lower()
        return str(raw)


def _instant(name: str, text: str) -> datetime:
    """As `validation.instant` reads them: "t"/"z" in either case, never on the edge days of
    the years 0001-9999 (an offset could carry them out of range)."""
    try:
        parsed = None if text.startswith(INSTANT_EDGES) else parse_datetime(text.upper())
    except ValueError:
        parsed = None
    if parsed is None:
        raise FilterError(f"{name} compares with an ISO 8601 date-time; {text!r} is not one.")
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=timezone.get_current_timezone())
    return parsed
