"""import_backoffice FILE|- [--format json|yaml] [--encoding E] [--dry-run]

A tenant's back-office catalog (menus, access-policy groups and policies) from one JSON or
YAML document (backoffice.catalog_import; docs/backoffice.md). It shares the bulk imports'
reading of files (foundation.bulk.files: stdin, byte-order marks, --encoding), their report line,
--dry-run and their handling of signals; it is no row importer (foundation.bulk.run): the file is
one document, a tree, written as a whole.

Bounded before it is parsed (issue 22 item 11): a file over BACKOFFICE_IMPORT_MAX_BYTES is
refused after reading that many bytes, and YAML is composed from libyaml's event stream with
a count of its nodes, stopped as soon as the document holds more than MAX_ENTRIES entries
can, so that no YAML document costs more than the largest catalog allowed."""

from __future__ import annotations

import json

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from yaml.composer import Composer

from audit import context as scope
from backoffice import catalog_import as catalog
from backoffice.catalog_import import CatalogRefused, catalog_import, read_document
from core.json_depth import MAX_DEPTH, deeper_than
from foundation.bulk.command import (
    add_encoding_argument,
    encoding_check,
    not_in_encoding,
    signals_interrupt,
)
from foundation.bulk.files import Input, open_input
from foundation.bulk.run import ImportInterrupted

FORMATS = ("json", "yaml")
MAX_SHOWN = 100
# the most YAML nodes an entry takes: its mapping, four keys, three values and its list
# (children or policies); the document itself takes 7 (mapping, three keys, tenant, two lists)
NODES_AN_ENTRY, NODES_OF_THE_DOCUMENT = 9, 7


def read_bounded(source: Input, limit: int) -> str:
    """The input's text, read no further than `limit` bytes (characters for a text stream
    without bytes); CatalogRefused when it holds more, before anything is parsed."""
    stream = source.stream
    raw = getattr(stream, "buffer", None)
    data = stream.read(limit + 1) if raw is None else raw.read(limit + 1)
    if len(data) > limit:
        raise CatalogRefused([f"the file is larger than {limit} bytes "
                              "(BACKOFFICE_IMPORT_MAX_BYTES): refused before parsing."])
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
        self.budget = NODES_AN_ENTRY * catalog.MAX_ENTRIES + NODES_OF_THE_DOCUMENT

    def compose_node(self, parent, index):
        self.nodes += 1
        if self.nodes > self.budget:
            raise CatalogRefused([
                f"more than {catalog.MAX_ENTRIES} entries: the document has more than "
                f"{self.budget} YAML nodes (an entry takes at most {NODES_AN_ENTRY})."])
        return super().compose_node(parent, index)


def format_of(path: str, given: str | None) -> str:
    if given:
        return given
    return "yaml" if path.lower().endswith((".yaml", ".yml")) else "json"


def parse(text: str, fmt: str):
    """The document, or CatalogRefused saying why it cannot be read."""
    if fmt == "json":
        if deeper_than(text.encode("utf-8", "surrogatepass"), MAX_DEPTH):
            raise CatalogRefused([f"the document nests deeper than {MAX_DEPTH} levels."])
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


class Command(BaseCommand):
    help = "Import a tenant's back-office menus and access policies (JSON or YAML; upsert by id)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .json, .yaml or .yml file, or - for stdin.")
        parser.add_argument("--format", choices=FORMATS,
                            help="json or yaml (default: from the file name, else json).")
        add_encoding_argument(parser)
        parser.add_argument("--dry-run", action="store_true",
                            help="Check and apply everything, then roll it back.")

    def handle(self, *args, **options):
        path, encoding = options["file"], options["encoding"]
        encoding_check(encoding)
        try:
            source = open_input(path, encoding)
            try:
                text = read_bounded(source, settings.BACKOFFICE_IMPORT_MAX_BYTES)
            finally:
                source.close()
        except UnicodeDecodeError as error:
            raise not_in_encoding(error) from None
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None
        except CatalogRefused as refused:
            raise CommandError(f"nothing imported: {refused}") from None
        try:
            with signals_interrupt(), scope.for_command("import_backoffice"), \
                    transaction.atomic():
                report = catalog_import(read_document(parse(text, format_of(
                    path, options["format"]))))
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except CatalogRefused as refused:
            shown = "\n".join(refused.errors[:MAX_SHOWN])
            more = len(refused.errors) - MAX_SHOWN
            if more > 0:
                shown += f"\n… and {more} more error(s)"
            raise CommandError(f"nothing imported: {len(refused.errors)} error(s).\n{shown}"
                               ) from None
        except ImportInterrupted as interrupted:
            raise CommandError(f"nothing imported: interrupted by {interrupted}; the import "
                               "was rolled back.") from None
        if options["dry_run"]:
            self.stdout.write(f"dry run, nothing written: {report.summary()}")
        else:
            self.stdout.write(self.style.SUCCESS(f"imported: {report.summary()}"))
