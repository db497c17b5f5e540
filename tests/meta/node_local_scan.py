"""Finds every per-process cache in the project's code, for tests/meta/test_node_local.py.

A static scan (ast) of the modules a node runs (not tests/, bench/, scripts/, migrations),
each finding named `path:Qualified.name`:

- `memo`: a function or method decorated with `functools.lru_cache`/`cache` or
  `cached_property`;
- `module`: a module-level dict, list or set that a function fills (`X[k] = …`, `X.append(…)`,
  `X.setdefault(…)`, …), or a module-level name a function rebinds (`global X`);
- `class`: a class attribute set or filled at run time (`cls.X = …`, `Klass.X = …`,
  `type(self).X = …`);
- `object`: a memo kept on another object (`obj.__dict__.setdefault(…)`, `setattr(obj,
  "…cache…", …)`, `obj._…cache… = …`), or a `nonlocal` (a closure's state);
- `django-cache`: a use of Django's cache framework (`caches["alias"]`, `cache`: "default");
- `context`: a module-level `ContextVar` or `threading.local` (state of one request or
  command, which must not outlive it in a worker that serves the next).

And one found at run time, by `instance_state`: the attributes that methods (other than
`__init__`) set or fill on `self`, in classes of which an instance lives for the whole
process — alive once a node has started (imported every module, loaded the URLs, the
middleware and the admin): admin pages, middleware, module-level objects.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPOSITORY

NOT_RUN_BY_A_NODE = {"tests", "bench", "scripts", ".venv"}
MEMO_DECORATORS = {"lru_cache", "cache", "cached_property"}
CONTAINERS = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque",
              "WeakValueDictionary", "WeakKeyDictionary", "WeakSet"}
MUTATORS = {"append", "extend", "insert", "add", "update", "setdefault", "pop", "popitem",
            "clear", "remove", "discard", "appendleft", "__setitem__"}
CONTEXTS = {"ContextVar", "local"}
CONSTRUCTORS = {"__init__", "__new__", "__post_init__", "__init_subclass__", "__set_name__"}


def node_modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(REPOSITORY.rglob("*.py")):
        parts = path.relative_to(REPOSITORY).parts
        if parts[0] in NOT_RUN_BY_A_NODE or "migrations" in parts:
            continue
        yield "/".join(parts), ast.parse(path.read_text(), str(path))


def _name(node: ast.expr) -> str:
    """The last name of a decorator or callee (`functools.lru_cache(maxsize=1)` → lru_cache)."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _is_container(value: ast.expr | None) -> bool:
    return isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp,
                              ast.SetComp)) or (isinstance(value, ast.Call)
                                                and _name(value) in CONTAINERS)


def _stored(node: ast.AST) -> list[ast.expr]:
    """What a statement writes to: assignment targets, deleted items, a mutator's object."""
    if isinstance(node, ast.Assign):
        return node.targets
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target] if not isinstance(node, ast.AnnAssign) or node.value else []
    if isinstance(node, ast.Delete):
        return node.targets
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATORS):
        return [ast.Subscript(value=node.func.value, slice=ast.Constant(None))]
    return []


def _unpacked(targets: list[ast.expr]) -> Iterator[ast.expr]:
    for target in targets:
        if isinstance(target, (ast.Tuple, ast.List)):
            yield from _unpacked(target.elts)
        else:
            yield target


def _own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's own body (not those of functions or classes inside it)."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                 ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


@dataclass
class _Scope:
    qualname: str
    klass: str | None  # the enclosing class's qualified name
    function: bool


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str, tree: ast.Module):
        self.path = path
        self.found: dict[str, str] = {}
        self.self_state: dict[str, set[str]] = {}  # class qualname → attributes set on self
        self.classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
        self.containers = {t.id for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))
                           and _is_container(n.value)
                           for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                           if isinstance(t, ast.Name)}
        self.scopes = [_Scope("", None, False)]
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(
                    node.value, ast.Call) and _name(node.value) in CONTEXTS:
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                    self.add("context", ast.unparse(target))

    def add(self, kind: str, name: str) -> None:
        self.found[f"{self.path}:{name}"] = kind

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        outer = self.scopes[-1]
        qualname = f"{outer.qualname}.{node.name}".lstrip(".")
        self.scopes.append(_Scope(qualname, qualname, False))
        self.generic_visit(node)
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = self.scopes[-1]
        qualname = f"{outer.qualname}.{node.name}".lstrip(".")
        if any(_name(d) in MEMO_DECORATORS for d in node.decorator_list):
            self.add("memo", qualname)
        self.scopes.append(_Scope(qualname, outer.klass if not outer.function else None,
                                  True))
        self._function_body(node, qualname, outer)
        self.generic_visit(node)
        self.scopes.pop()

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.visit_FunctionDef(node)

    def _function_body(self, node, qualname: str, outer: _Scope) -> None:
        method_of = outer.klass if not outer.function else None
        local_classes = {n.name for n in ast.walk(node) if isinstance(n, ast.ClassDef)}
        for statement in _own_nodes(node):
            if isinstance(statement, ast.Global):
                for name in statement.names:
                    self.add("module", name)
            if isinstance(statement, ast.Nonlocal):
                self.add("object", qualname)
            if isinstance(statement, ast.Call) and _name(statement.func) == "setattr" and \
                    len(statement.args) > 1 and "cache" in ast.unparse(statement.args[1]).lower():
                self.add("object", qualname)
            for target in _unpacked(_stored(statement)):
                self._target(target, qualname, method_of, node.name, local_classes)

    def _target(self, target: ast.expr, qualname: str, method_of: str | None,
                function: str, local_classes: set[str]) -> None:
        chain: list[str] = []  # the attributes from the root outwards
        filled = False
        node = target
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            if isinstance(node, ast.Attribute):
                chain.insert(0, node.attr)
            else:
                filled = True
                chain = []  # only the attributes between the root and the first subscript
            node = node.value
        root = ast.unparse(node)
        if not chain:
            if filled and isinstance(node, ast.Name) and root in self.containers:
                self.add("module", root)
            return
        first = chain[0]
        if "__dict__" in chain:
            self.add("object", qualname)
        elif root == "self" and first == "__class__" and len(chain) > 1 and method_of:
            self.add("class", f"{method_of}.{chain[1]}")
        elif root in ("cls", "type(self)") and method_of:
            self.add("class", f"{method_of}.{first}")
        elif isinstance(node, ast.Name) and root in self.classes - local_classes:
            self.add("class", f"{root}.{first}")
        elif root == "self" and method_of:
            if function not in CONSTRUCTORS:
                self.self_state.setdefault(method_of, set()).add(first)
        elif any("cache" in attr.lower() for attr in chain):
            self.add("object", qualname)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.value, ast.Name) and node.value.id == "caches" and isinstance(
                node.slice, ast.Constant):
            self.add("django-cache", f'caches["{node.slice.value}"]')
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "django.core.cache" and any(a.name == "cache" for a in node.names):
            self.add("django-cache", 'caches["default"]')


def static_findings() -> tuple[dict[str, str], dict[str, set[str]]]:
    """{finding: kind}, and {`path:Class`: attributes its methods set on self}."""
    found: dict[str, str] = {}
    self_state: dict[str, set[str]] = {}
    for path, tree in node_modules():
        scanner = _Scanner(path, tree)
        scanner.visit(tree)
        found.update(scanner.found)
        self_state.update({f"{path}:{k}": v for k, v in scanner.self_state.items()})
    return found, self_state


# what a node holds once started, listed in a process of its own (this one has run tests)
_ALIVE = r"""
import gc, importlib, json, os, pkgutil, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.core.handlers.wsgi import WSGIHandler
from django.db import router
from django.urls import get_resolver
packages = json.loads(sys.argv[1])
for package in packages:
    for info in pkgutil.walk_packages(importlib.import_module(package).__path__,
                                      package + "."):
        if ".migrations" not in info.name:
            importlib.import_module(info.name)
get_resolver().url_patterns
WSGIHandler()
router.routers
classes = set()
for obj in gc.get_objects():
    if isinstance(obj, type):
        continue
    for klass in type(obj).__mro__:
        module = sys.modules.get(klass.__module__)
        if klass.__module__.split(".")[0] in packages and getattr(module, "__file__", None):
            classes.add((os.path.relpath(module.__file__), klass.__qualname__))
print(json.dumps(sorted(classes)))
"""


def long_lived_classes() -> set[str]:
    """`path:Class` of every project class in the MRO of an object alive in a started node."""
    packages = sorted(p.parent.name for p in REPOSITORY.glob("*/__init__.py")
                      if p.parent.name not in NOT_RUN_BY_A_NODE)
    done = subprocess.run([sys.executable, "-c", _ALIVE, json.dumps(packages)],
                          cwd=REPOSITORY, capture_output=True, text=True, timeout=120,
                          env=_env())
    assert done.returncode == 0, done.stderr[-3000:]
    return {f"{path}:{name}" for path, name in json.loads(done.stdout)}


def _env() -> dict[str, str]:
    from tests.servers import server_env

    return {**server_env("sqlite:///:memory:"), "DJANGO_SETTINGS_MODULE": "config.settings"}


def instance_state(self_state: dict[str, set[str]]) -> dict[str, str]:
    """The self attributes set at run time by classes with a process-long instance."""
    alive = long_lived_classes()
    return {f"{klass}.{attr}": "instance" for klass, attrs in self_state.items()
            if klass in alive for attr in attrs}


def findings() -> dict[str, str]:
    found, self_state = static_findings()
    return {**found, **instance_state(self_state)}


def function_nodes() -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function and method of the node's modules by `path:Qual.name`."""
    nodes = {}

    def walk(path: str, node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}.{child.name}".lstrip(".")
                if not isinstance(child, ast.ClassDef):
                    nodes[f"{path}:{name}"] = child
                walk(path, child, name)

    for path, tree in node_modules():
        walk(path, tree, "")
    return nodes


def as_path(module_file: str | Path) -> str:
    return Path(module_file).resolve().relative_to(REPOSITORY).as_posix()
