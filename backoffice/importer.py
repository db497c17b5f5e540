"""import_backoffice: a tenant's whole back-office catalog (menus, access-policy groups and
policies) from one JSON or YAML document, on the shared import command (foundation.bulk: a
`DocumentImporter`; docs/backoffice.md, docs/bulk.md):

    {"tenant": KEY,
     "menus": [{"id", "key", "name", "children": [...]}],
     "accessPolicyGroups": [{"id", "key", "name", "policies": [{"id", "key", "name"}]}]}

Read here, without the database: bounded before it is parsed (issue 22 item 11: a file over
BACKOFFICE_IMPORT_MAX_BYTES is refused after reading that many bytes, and YAML is composed
from libyaml's event stream with a count of its nodes, stopped as soon as the document holds
more than MAX_ENTRIES entries can), then checked for shape, types and duplicates, every error
named by its place (`menus[0].children[2].key: …`). Written by
backoffice.services.catalog.catalog_upsert (upsert by id, all or nothing)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml
from django.conf import settings
from yaml.composer import Composer

from backoffice.services.catalog import CatalogRefused, Document, Entry, catalog_upsert
from core.json_depth import MAX_DEPTH as JSON_MAX_DEPTH
from core.json_depth import deeper_than
from core.patterns import NUL_FREE_FILLED, matches
from foundation.bulk.files import Input
from foundation.bulk.run import DocumentImporter, FileRefused

INT32_MAX = 2**31 - 1
SLUG = r"^[-a-zA-Z0-9_]+$"
MAX_DEPTH = 32  # menus nested deeper than this are refused
MAX_ENTRIES = 10_000  # entries of one document (menus + groups + policies)
DOCUMENT_KEYS = {"tenant", "menus", "accessPolicyGroups"}
MENU_KEYS = {"id", "key", "name", "children"}
GROUP_KEYS = {"id", "key", "name", "policies"}
POLICY_KEYS = {"id", "key", "name"}
# the most YAML nodes an entry takes: its mapping, four keys, three values and its list
# (children or policies); the document itself takes 7 (mapping, three keys, tenant, two lists)
NODES_AN_ENTRY, NODES_OF_THE_DOCUMENT = 9, 7


class CatalogImporter(DocumentImporter):
    """The catalog document: read (bounded, parsed, checked) in `read`, written whole by
    `catalog_upsert` in `apply`."""

    name = "backoffice"
    formats = ("json", "yaml")
    batch_size_help = ("Entries per INSERT or UPDATE statement (default: each kind of entry "
                       "in as few as the database takes).")
    whole = ("a back-office catalog is one document, imported whole or not at all "
             "(a menu's parent is its nesting)")

    def format_of(self, path: str, given: str | None) -> str:
        if given:
            return given
        return "yaml" if path.lower().endswith((".yaml", ".yml")) else "json"

    def read(self, source: Input, fmt: str) -> Document:
        text = read_bounded(source, settings.BACKOFFICE_IMPORT_MAX_BYTES)
        document = read_document(parse(text, fmt))
        self.report.rows = document.entries
        return document

    def apply(self, document: Document) -> None:
        done = catalog_upsert(document, batch_size=self.batch_size)
        self.report.restore(done)


# --- reading: bounded, then parsed --------------------------------------------------------------

def read_bounded(source: Input, limit: int) -> str:
    """The input's text, read no further than `limit` bytes (characters for a text stream
    without bytes); FileRefused when it holds more, before anything is parsed."""
    stream = source.stream
    raw = getattr(stream, "buffer", None)
    data = stream.read(limit + 1) if raw is None else raw.read(limit + 1)
    if len(data) > limit:
        raise FileRefused(f"the file is larger than {limit} bytes "
                          "(BACKOFFICE_IMPORT_MAX_BYTES): refused before parsing.")
    return data if raw is None else data.decode(stream.encoding)


if yaml.__with_libyaml__:
    class _SafeLoader(Composer, yaml.CSafeLoader):
        """libyaml's scanner and parser, Python's composer (so that it can count)."""

        def __init__(self, stream):
            yaml.CSafeLoader.__init__(self, stream)
            Composer.__init__(self)
else:  # pragma: no cover (PyYAML's wheels carry libyaml)
    _SafeLoader = yaml.SafeLoader


class _CountingLoader(_SafeLoader):
    """PyYAML's safe loader whose composer counts the nodes it makes and stops as soon as the
    document has more than the largest catalog can, before the rest is composed or
    constructed (the events come one at a time: what follows is never read)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.nodes = 0
        self.budget = NODES_AN_ENTRY * MAX_ENTRIES + NODES_OF_THE_DOCUMENT

    def compose_node(self, parent, index):
        self.nodes += 1
        if self.nodes > self.budget:
            raise CatalogRefused([
                f"more than {MAX_ENTRIES} entries: the document has more than "
                f"{self.budget} YAML nodes (an entry takes at most {NODES_AN_ENTRY})."])
        return super().compose_node(parent, index)


def parse(text: str, fmt: str):
    """The document, or CatalogRefused saying why it cannot be read."""
    if fmt == "json":
        if deeper_than(text.encode("utf-8", "surrogatepass"), JSON_MAX_DEPTH):
            raise CatalogRefused([f"the document nests deeper than {JSON_MAX_DEPTH} "
                                  "levels."])
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise CatalogRefused([f"not JSON: line {error.lineno} column {error.colno}: "
                                  f"{error.msg}."]) from None
    try:
        loader = _CountingLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise CatalogRefused([f"not YAML: {where}{problem}."]) from None
    except RecursionError:
        raise CatalogRefused(["the document nests too deep."]) from None


# --- the document's shape, no database ---------------------------------------------------------

class _Reader:
    def __init__(self):
        self.errors: list[str] = []
        self.entries = 0

    def error(self, place: str, message: str) -> None:
        self.errors.append(f"{place}: {message}" if place else message)

    def obj(self, value: Any, place: str, keys: set[str], required: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.error(place, "expected an object.")
            return None
        for key in sorted(map(str, set(value) - keys)):
            self.error(f"{place}.{key}" if place else key, "unknown field.")
        for key in sorted(required - set(value)):
            self.error(f"{place}.{key}" if place else key, "required.")
        return value

    def array(self, value: Any, place: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(place, "expected an array.")
            return []
        return value

    def entry(self, value: dict, place: str, position: int,
              parent: int | None) -> Entry | None:
        self.entries += 1
        pk, key, name = value.get("id"), value.get("key"), value.get("name")
        ok = True
        if "id" in value and (isinstance(pk, bool) or not isinstance(pk, int)
                              or not 1 <= pk <= INT32_MAX):
            self.error(f"{place}.id", "a whole number from 1 to 2147483647.")
            ok = False
        if "key" in value and (not isinstance(key, str) or len(key) > 100
                               or not matches(SLUG, key)):
            self.error(f"{place}.key", "1 to 100 letters, digits, - or _.")
            ok = False
        if "name" in value and (not isinstance(name, str) or len(name) > 200
                                or not matches(NUL_FREE_FILLED, name) or not name.strip()):
            self.error(f"{place}.name", "a text of 1 to 200 characters (no NUL).")
            ok = False
        if not ok or not {"id", "key", "name"} <= set(value):
            return None
        return Entry(place, pk, key, name, position, parent)

    def menus(self, items: list, place: str, parent: int | None, depth: int,
              out: list[Entry]) -> None:
        if depth > MAX_DEPTH:
            self.error(place, f"menus nest more than {MAX_DEPTH} levels.")
            return
        for position, item in enumerate(items):
            where = f"{place}[{position}]"
            if self.entries >= MAX_ENTRIES:
                self.error(where, f"more than {MAX_ENTRIES} entries.")
                return
            value = self.obj(item, where, MENU_KEYS, {"id", "key", "name"})
            if value is None:
                continue
            entry = self.entry(value, where, position, parent)
            if entry is not None:
                out.append(entry)
            self.menus(self.array(value.get("children"), f"{where}.children"),
                       f"{where}.children", entry.id if entry else None, depth + 1, out)


def _duplicates(reader: _Reader, entries: list[Entry], what: str,
                scope: Callable[[Entry], Any] = lambda entry: None) -> None:
    seen_ids: dict[int, str] = {}
    seen_keys: dict[tuple, str] = {}
    for entry in entries:
        if entry.id in seen_ids:
            reader.error(f"{entry.place}.id", f"{what} {entry.id} is also at "
                                              f"{seen_ids[entry.id]}.")
        seen_ids.setdefault(entry.id, entry.place)
        key = (scope(entry), entry.key)
        if key in seen_keys:
            reader.error(f"{entry.place}.key", f"{what} key {entry.key!r} is also at "
                                               f"{seen_keys[key]}.")
        seen_keys.setdefault(key, entry.place)


def read_document(data: Any) -> Document:
    """The document checked for shape, types and duplicates (no database); raises
    CatalogRefused with every error found."""
    reader = _Reader()
    top = reader.obj(data, "", DOCUMENT_KEYS, {"tenant"})
    if top is None:
        raise CatalogRefused(reader.errors)
    tenant = top.get("tenant")
    if "tenant" in top and (not isinstance(tenant, str) or not matches(SLUG, tenant)):
        reader.error("tenant", "a tenant key (letters, digits, - or _).")
    document = Document(tenant if isinstance(tenant, str) else "")
    reader.menus(reader.array(top.get("menus"), "menus"), "menus", None, 1, document.menus)
    for position, item in enumerate(reader.array(top.get("accessPolicyGroups"),
                                                 "accessPolicyGroups")):
        where = f"accessPolicyGroups[{position}]"
        value = reader.obj(item, where, GROUP_KEYS, {"id", "key", "name"})
        if value is None:
            continue
        group = reader.entry(value, where, position, None)
        if group is not None:
            document.groups.append(group)
        for index, policy in enumerate(reader.array(value.get("policies"),
                                                    f"{where}.policies")):
            place = f"{where}.policies[{index}]"
            if reader.entries >= MAX_ENTRIES:
                reader.error(place, f"more than {MAX_ENTRIES} entries.")
                break
            policy_value = reader.obj(policy, place, POLICY_KEYS, {"id", "key", "name"})
            if policy_value is not None:
                entry = reader.entry(policy_value, place, index, group.id if group else None)
                if entry is not None and group is not None:
                    document.policies.append(entry)
    _duplicates(reader, document.menus, "menu")
    _duplicates(reader, document.groups, "group")
    _duplicates(reader, document.policies, "policy", lambda entry: entry.parent)
    if reader.errors:
        raise CatalogRefused(reader.errors)
    return document
