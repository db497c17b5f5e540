"""Every surface refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE with 413 in its own error style,
whatever the content type and transfer encoding, and reads no more than the limit + 1 byte
(foundation.api.body_limit). A real server is driven in tests/config/test_gunicorn.py."""

from __future__ import annotations

import io

import pytest
from django.core.handlers.wsgi import LimitedStream
from django.test import Client

from audit.models import AuditContext, ChangeRecord
from foundation.api.errors import style_for_path
from orgs.models import Organization
from tests.api.routes import assert_error_style
from tests.orgs.conftest import ALL as CUSTOMERID_ALL
from tests.orgs.conftest import error as customerid_error

pytestmark = pytest.mark.django_db

LIMIT = 1000
SURFACE_POSTS = [
    "/eidm2/services/orgs/?organizationId=big&friendlyName=Big",
    "/v1.0/auditcontext/generate",
    "/v1.1/auditcontext/generate",
    "/api/rest/v1/authorisation",
    "/api/integrations/v1/accounts",
    "/oauth/token/",
    "/healthz",
]
CONTENT_TYPES = ["application/json", "application/xml", "text/xml", "text/plain",
                 "application/x-www-form-urlencoded", "multipart/form-data; boundary=b",
                 "application/octet-stream"]


@pytest.fixture
def small_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT


@pytest.fixture
def api(make_caller):
    client = make_caller([*CUSTOMERID_ALL, "audit.add_auditcontext"]).basic()
    client.raise_request_exception = False
    return client


def state() -> tuple[int, int, int]:
    return (Organization.objects.count(), AuditContext.objects.count(),
            ChangeRecord.objects.count())


class Endless:
    """A request stream that never ends and counts what is read from it."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        assert size is not None and size >= 0, "an unbounded read of an endless stream"
        self.read_bytes += size
        return b"<" * size

    def readline(self, size=-1):
        return self.read(size)


class Unreadable:
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def chunked(body_stream) -> dict:
    """The WSGI environ of a chunked request as gunicorn builds it: no CONTENT_LENGTH, the
    decoded body in wsgi.input, which ends with the body (wsgi.input_terminated)."""
    return {"CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked",
            "wsgi.input": body_stream, "wsgi.input_terminated": True}


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("path", SURFACE_POSTS)
def test_a_declared_body_over_the_limit_is_413_unread(api, small_limit, path, content_type):
    before = state()
    response = api.generic("POST", path, b"", content_type=content_type,
                           CONTENT_LENGTH=str(LIMIT + 1), **{"wsgi.input": Unreadable()})
    assert response.status_code == 413, (response.status_code, response.content[:300])
    assert_error_style(response, path.split("?")[0])
    assert response["X-Correlation-ID"]
    assert state() == before


@pytest.mark.parametrize("content_type", ["application/xml", "application/json", "text/plain"])
@pytest.mark.parametrize("path", SURFACE_POSTS)
def test_a_chunked_body_over_the_limit_is_413_after_reading_at_most_limit_plus_one(
        api, small_limit, path, content_type):
    stream = Endless()
    before = state()
    response = api.generic("POST", path, b"", content_type=content_type, **chunked(stream))
    assert response.status_code == 413, (response.status_code, response.content[:300])
    assert_error_style(response, path.split("?")[0])
    assert stream.read_bytes == LIMIT + 1
    assert state() == before


def test_customerid_answers_size_limit_exceeded_for_a_10_mb_xml_body(api):
    document = b"<r>" + b"a" * (10 * 1024 * 1024) + b"</r>"
    before = state()
    response = api.generic("POST", SURFACE_POSTS[0], document, content_type="application/xml")
    assert "larger than 5242880 bytes" in customerid_error(response, 413, 12)
    assert state() == before


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_every_method_is_bounded(api, small_limit, method):
    stream = Endless()
    response = api.generic(method, "/eidm2/services/org/x", b"", content_type="application/xml",
                           **chunked(stream))
    customerid_error(response, 413, 12)
    assert stream.read_bytes == LIMIT + 1


def test_pages_outside_the_apis_are_bounded_too(small_limit):
    response = Client().generic("POST", "/admin/login/", b"", CONTENT_LENGTH=str(LIMIT + 1),
                                **{"wsgi.input": Unreadable()})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")


def test_a_body_at_the_limit_is_read(api, small_limit):
    query = "organizationId=acme&friendlyName=" + "A" * 200
    xml = b"<r>" + b"a" * (LIMIT - 7) + b"</r>"
    assert len(xml) == LIMIT
    response = api.generic("POST", f"/eidm2/services/orgs/?{query}", xml,
                           content_type="application/xml")
    assert response.status_code == 200, response.content
    assert Organization.objects.filter(path="acme").exists()


def test_a_chunked_body_within_the_limit_reaches_the_parser(api):
    # before: a chunked body read as empty, so the form fields were missing (code 1)
    form = b"organizationId=acme&friendlyName=Acme"
    response = api.generic("POST", "/eidm2/services/orgs/", b"",
                           content_type="application/x-www-form-urlencoded",
                           **chunked(io.BytesIO(form)))
    assert response.status_code == 200, response.content
    assert Organization.objects.get(path="acme").friendly_name == "Acme"


def test_a_chunked_json_body_within_the_limit_reaches_the_parser(api):
    response = api.generic("POST", "/v1.1/auditcontext/generate", b"",
                           content_type="application/json",
                           **chunked(io.BytesIO(b'{"PersonIds": [7, 8]}')))
    assert response.status_code == 200, response.content
    assert response.json()["MemberIds"] == [7, 8]


def test_a_chunked_xml_body_goes_through_defusedxml(api):
    xxe = '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'.encode("utf-16")
    before = state()
    response = api.generic("POST", SURFACE_POSTS[0], b"", content_type="application/xml",
                           **chunked(io.BytesIO(xxe)))
    assert "DTD or entities" in customerid_error(response, 400, 1)
    assert state() == before


@pytest.mark.parametrize("path", [p.split("?")[0] for p in SURFACE_POSTS])
def test_a_chunked_body_the_server_cannot_decode_is_411(api, path):
    # runserver passes a chunked body undecoded, behind a zero-length stream
    environ = {"CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked",
               "wsgi.input": LimitedStream(io.BytesIO(b"5\r\nhello\r\n0\r\n\r\n"), 0)}
    response = api.generic("POST", path, b"", content_type="application/json", **environ)
    assert response.status_code == 411, (response.status_code, response.content[:300])
    assert_error_style(response, path)
    if style_for_path(path) == "customerid":
        customerid_error(response, 411, 1)


def test_runserver_does_not_drain_a_refused_body(api, small_limit):
    # runserver's ServerHandler reads the unread rest of the body after the response, in one
    # read of the remaining length: a refused body's stream is marked as read to the end
    stream = LimitedStream(Unreadable(), 60 * 1024 * 1024)
    response = api.generic("POST", "/v1.1/auditcontext/generate", b"",
                           content_type="application/json", CONTENT_LENGTH=str(stream.limit),
                           **{"wsgi.input": stream})
    assert response.status_code == 413
    assert stream.read() == b""
