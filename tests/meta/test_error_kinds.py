"""The domain errors say only what went wrong (a kind and a message); the surfaces map kinds to
HTTP statuses and vendor numbers (foundation.api.exceptions.STATUSES, orgs.api.codes.NUMBERS).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from core.errors import DomainError, UnprocessableError
from foundation.api.exceptions import STATUSES, error_for, lookup, status_of
from orgs.api.base import CustomerIdView
from orgs.api.codes import NUMBERS
from orgs.errors import OrgError

ROOT = Path(__file__).resolve().parents[2]
# every errors.py but the surfaces' own (foundation/api/errors.py: the wire's error styles)
ERROR_MODULES = sorted(
    path for path in ROOT.glob("*/**/errors.py")
    if not path.relative_to(ROOT).parts[0].startswith(".")
    and not {"tests", "api"} & set(path.relative_to(ROOT).parts)
)
WIRE = {"status", "code", "number", "status_code"}

# every concrete kind -> the HTTP status every surface answers for it
EXPECTED = {
    "core.errors.DomainError": 400,
    "core.errors.InvalidInputError": 400,
    "core.errors.NotFoundError": 404,
    "core.errors.ForbiddenError": 403,
    "core.errors.ConflictError": 409,
    "core.errors.UnprocessableError": 422,
    "core.errors.PreconditionFailedError": 412,
    "authorisations.errors.NamespaceForbiddenError": 403,
    "authorisations.errors.ReservedNamespaceError": 403,
    "authorisations.queries.scim.FilterError": 400,
    "orgs.errors.OrgError": 400,
    "orgs.errors.InvalidArgumentsError": 400,
    "orgs.errors.UnauthorizedError": 403,
    "orgs.errors.AlreadyExistsError": 409,
    "orgs.errors.ParentNotFoundError": 404,
    "orgs.errors.EntityNotFoundError": 404,
    "orgs.errors.ParentNotVirtualError": 409,
    "orgs.errors.ParentNotNonVirtualError": 409,
    "orgs.errors.InvalidReferenceError": 400,
    "orgs.errors.SizeLimitExceededError": 400,
    "orgs.errors.CycleRefusedError": 409,
    "orgs.errors.HasChildrenError": 409,
    "scim.errors.ScimError": 400,
    "scim.errors.InvalidValueError": 400,
    "scim.errors.UserNotFoundError": 404,
    "scim.errors.VersionMismatchError": 412,
    "scim.errors.ScimNotFoundError": 404,
}


def kinds() -> set[type[DomainError]]:
    for path in ERROR_MODULES:  # the kinds defined anywhere are imported by then
        importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    importlib.import_module("authorisations.queries.scim")

    def below(cls: type) -> set[type]:
        return {cls} | {s for sub in cls.__subclasses__() for s in below(sub)}

    return {cls for cls in below(DomainError) if not cls.__module__.startswith("tests.")}


def name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_the_error_modules_are_found():
    found = {str(path.relative_to(ROOT)) for path in ERROR_MODULES}
    assert {"core/errors.py", "orgs/errors.py", "identities/errors.py",
            "authorisations/errors.py"} <= found


@pytest.mark.parametrize("path", ERROR_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_error_class_carries_a_wire_status_or_code(path):
    """Written in the source (`status = 404`, `code, status = 4, 409`, annotated or not)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            targets = (statement.targets if isinstance(statement, ast.Assign)
                       else [statement.target] if isinstance(statement, ast.AnnAssign) else [])
            names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            assert not names & WIRE, f"{path.name}: {node.name} defines {names & WIRE}"


def test_no_kind_has_a_status_or_code_attribute():
    """As the classes are (set in the body, or by a base class or afterwards)."""
    for cls in kinds():
        assert not WIRE & set(dir(cls)), f"{name(cls)} carries {WIRE & set(dir(cls))}"


def test_every_concrete_kind_has_a_pinned_status():
    assert {name(cls) for cls in kinds()} == set(EXPECTED)
    for cls in kinds():
        assert status_of(cls) == EXPECTED[name(cls)], name(cls)


def test_every_generic_kind_is_in_the_status_table():
    """An app's kind gets its status from a core kind it specialises: each one is named."""
    core = {cls for cls in kinds() if cls.__module__ == "core.errors"}
    assert set(STATUSES) == core


def test_every_customerid_kind_is_numbered_by_itself():
    """Not inherited: a new CustomerID kind must be given its vendor number explicitly."""
    org_kinds = {cls for cls in kinds() if issubclass(cls, OrgError)}
    assert set(NUMBERS) == org_kinds


@pytest.mark.parametrize("cls", sorted(kinds(), key=name), ids=name)
def test_the_handler_answers_the_tables(cls):
    error = cls("field", "refused") if issubclass(cls, UnprocessableError) else cls("refused")
    for view in (None, CustomerIdView()):
        handled = error_for(error, view)
        assert handled.status == EXPECTED[name(cls)]
        assert handled.message == error.message
    assert error_for(error, CustomerIdView()).number == lookup(NUMBERS, cls)
    assert error_for(error, None).number is None
