"""CustomerID `<error><code>` numbers are the vendor's published numbering (docs/orgs.md);
a renumbering of any of them fails here."""

from xml.etree import ElementTree as ET

import pytest

from foundation.api.errors import CUSTOMERID_CODES, ApiError, additiv_code, render_customerid
from foundation.api.exceptions import error_for
from orgs import errors
from orgs.api.base import CustomerIdView
from orgs.api.codes import NUMBERS
from tests.orgs.conftest import error

# error kind -> (code, HTTP status)
CLASSES = {
    errors.OrgError: (1, 400),
    errors.InvalidArgumentsError: (1, 400),
    errors.UnauthorizedError: (3, 403),  # a client may not do it (mandates.remove)
    errors.AlreadyExistsError: (4, 409),
    errors.ParentNotFoundError: (5, 404),
    errors.EntityNotFoundError: (7, 404),
    errors.ParentNotVirtualError: (8, 409),
    errors.ParentNotNonVirtualError: (9, 409),
    errors.InvalidReferenceError: (10, 400),
    errors.SizeLimitExceededError: (12, 400),
    errors.CycleRefusedError: (10, 409),  # Tessera's own: an invalid reference
    errors.HasChildrenError: (1, 409),  # Tessera's own: lacks recursive=true
}
# HTTP status -> the code of an error raised without one; anything else is 6
STATUSES = {
    400: "1", 401: "2", 403: "3", 404: "7", 405: "13", 409: "4", 413: "12", 415: "1",
    429: "2",  # locked out after failed authentication
}


def code_of(status: int, number: int | None = None) -> str:
    response = render_customerid(ApiError(status, additiv_code(status), "m", number=number))
    return ET.fromstring(response.content).findtext("code")


def test_every_error_class_is_pinned():
    def subclasses(cls: type) -> set[type]:
        return {cls} | {s for sub in cls.__subclasses__() for s in subclasses(sub)}

    assert subclasses(errors.OrgError) == set(CLASSES)


def test_every_error_class_is_numbered_by_the_customerid_table():
    assert set(NUMBERS) == set(CLASSES)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_error_class_code_and_status(cls):
    code, status = CLASSES[cls]
    # through the one handler, as a service raises it in a CustomerID view
    handled = error_for(cls("refused"), CustomerIdView())
    assert (handled.status, handled.number, handled.message) == (status, code, "refused")
    assert code_of(handled.status, handled.number) == str(code)


def test_default_code_of_each_status():
    assert CUSTOMERID_CODES == STATUSES
    for status, code in STATUSES.items():
        assert code_of(status) == code


@pytest.mark.parametrize("status", [500, 502, 503, 418])
def test_any_other_status_is_internal_server_error(status):
    assert code_of(status) == "6"


@pytest.mark.django_db
def test_an_unsupported_body_type_is_invalid_arguments(api):
    response = api.generic("POST", "/eidm2/services/orgs/?organizationId=x&friendlyName=X",
                           b'{"a": 1}', content_type="application/json")
    error(response, 415, 1)
