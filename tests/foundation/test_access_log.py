"""The access log's masking of secrets (foundation.access_log); a real gunicorn writes it in
tests/config/test_servers.py."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from audit.states import SECRET_FIELDS
from foundation.access_log import AccessLogger, is_secret_name, mask_atom, mask_parameters


@pytest.mark.parametrize("name", [*sorted(SECRET_FIELDS), "PWD", "newPassword", "passwd",
                                  "access_token", "refresh-token", "api_key", "apikey",
                                  "x-api-key", "client%5Fsecret", "p%77d", "Hetu", "ssn"])
def test_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["uid", "filter", "tenantKey", "startIndex", "organizationId",
                                  "authType", "email", "count", "user", "memberOf"])
def test_ordinary_names(name):
    assert not is_secret_name(name)


@pytest.mark.parametrize("text, masked", [
    ("pwd=a&hetu=010181-900C&uid=u", "pwd=***&hetu=***&uid=u"),
    ("GET /eidm2/services/user/acme/u?pwd=s3cret&status=enabled HTTP/1.1",
     "GET /eidm2/services/user/acme/u?pwd=***&status=enabled HTTP/1.1"),
    ("/x?a=1;password=p;b=2#frag", "/x?a=1;password=***;b=2#frag"),
    ("/x?pwd=a&pwd=b", "/x?pwd=***&pwd=***"),
    ("/x?pwd=&uid=u", "/x?pwd=&uid=u"),  # nothing to hide
    ("/x?filter=value%20eq%20%22pwd=x%22", "/x?filter=value%20eq%20%22pwd=x%22"),
    ("https://host/back?client_secret=s&ok=1", "https://host/back?client_secret=***&ok=1"),
    ("Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (X11; Linux x86_64)"),
    ("-", "-"),
])
def test_mask_parameters(text, masked):
    assert mask_parameters(text) == masked


@pytest.mark.parametrize("key", ["{authorization}i", "{Cookie}i", "{set-cookie}o",
                                 "{http_authorization}e", "{http_cookie}e", "{x-auth-token}i",
                                 "{proxy-authorization}i"])
def test_credential_headers_are_masked_whole(key):
    assert mask_atom(key, "Basic dXNlcjpwdw==") == "***"


def test_the_logger_masks_every_atom_that_holds_the_url():
    environ = {"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1",
               "RAW_URI": "/eidm2/services/users/acme/?pwd=s3cret&hetu=010181-900C",
               "PATH_INFO": "/eidm2/services/users/acme/",
               "QUERY_STRING": "pwd=s3cret&hetu=010181-900C",
               "HTTP_REFERER": "https://app/?hetu=010181-900C", "REMOTE_ADDR": "127.0.0.1"}
    request = SimpleNamespace(headers=[("AUTHORIZATION", "Basic dXNlcjpwdw=="),
                                       ("REFERER", "https://app/?hetu=010181-900C")])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[("X-Correlation-ID", "c1")])
    atoms = AccessLogger(Config()).atoms(response, request, environ,
                                         datetime.timedelta(milliseconds=5))
    flat = repr(atoms)
    assert "s3cret" not in flat and "010181-900C" not in flat and "dXNlcjpwdw" not in flat
    assert atoms["r"] == "GET /eidm2/services/users/acme/?pwd=***&hetu=*** HTTP/1.1"
    assert atoms["q"] == "pwd=***&hetu=***"
    assert atoms["{x-correlation-id}o"] == "c1"
