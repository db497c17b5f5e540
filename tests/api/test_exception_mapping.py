"""Database and Django errors that reach the handler become client errors, never a 500."""

import pytest
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, ValidationError
from django.db import DataError, IntegrityError

from foundation.api.exceptions import error_for


@pytest.mark.parametrize(
    "exc, status",
    [
        (DataError("A string literal cannot contain NUL (0x00) characters."), 400),
        (IntegrityError("duplicate key"), 409),
        (RequestDataTooBig("too big"), 413),
        (SuspiciousOperation("odd"), 400),
        (ValidationError({"field": ["bad"]}), 400),
    ],
)
def test_mapped_status(exc, status):
    error = error_for(exc, view=None)
    assert error is not None and error.status == status
    assert "NUL" not in error.message and "duplicate key" not in error.message


def test_unknown_exceptions_are_left_to_the_500_path():
    assert error_for(RuntimeError("boom"), view=None) is None
