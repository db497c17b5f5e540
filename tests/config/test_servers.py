"""Real servers: gunicorn with the shipped gunicorn.conf.py, and runserver, in subprocesses.

gunicorn: the access log masks secret query parameters, a URL-encoded 4,096-character SCIM
filter is not refused with 414, no `Server` banner, a 60 MB chunked body is refused with 413
without the worker reading (or growing by) anything like 60 MB, and the docs and admin pages
carry a Content-Security-Policy. runserver: a refused body is not drained, a chunked one is 411.

No request needs a database (they are refused or answered before any query), so the servers
run against an empty SQLite file of their own.
"""

from __future__ import annotations

import select
import socket
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests import servers
from tests.servers import Server

SECRET_PWD = "secret123-pwd"
SECRET_HETU = "010181-900C"
MB = 1024 * 1024


def memory_mib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (the peak) of a process, in MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) // 1024
    return values


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gunicorn")
    with servers.gunicorn(tmp, f"sqlite:///{tmp / 'server.sqlite3'}") as server:
        server.request("GET", "/apidoc/")  # the worker has imported everything
        yield server


def access_log(server: Server, *markers: str) -> str:
    """The access log once it holds every marker (gunicorn writes it after the response)."""
    path = server.logs / "access.log"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = path.read_text()
        if all(marker in text for marker in markers):
            return text
        time.sleep(0.1)
    raise AssertionError(f"{markers} not in the access log: {path.read_text()[-2000:]}")


def test_the_access_log_masks_secret_query_parameters(gunicorn):
    target = (f"/eidm2/services/users/acme/?uid=u1&pwd={SECRET_PWD}&hetu={SECRET_HETU}"
              f"&client_secret={SECRET_PWD}x&password={SECRET_PWD}y")
    referer = f"https://app.example/back?hetu={SECRET_HETU}&ok=1"
    response, _ = gunicorn.request("POST", target, headers={
        "Referer": referer, "X-Correlation-ID": "log-check-1"})
    assert response.status == 401
    gunicorn.request("GET", f"/api/rest/v1/namespace?access_token={SECRET_PWD}z",
                     headers={"X-Correlation-ID": "log-check-2"})
    logged = access_log(gunicorn, "log-check-1", "log-check-2")
    lines = [line for line in logged.splitlines() if "log-check-1" in line]
    assert len(lines) == 1, logged
    assert "/eidm2/services/users/acme/?uid=u1&pwd=***&hetu=***&client_secret=***" in lines[0]
    assert "https://app.example/back?hetu=***&ok=1" in lines[0]
    assert "access_token=***" in logged
    everything = logged + (gunicorn.logs / "server.log").read_text()
    for secret in (SECRET_PWD, SECRET_HETU):
        assert secret not in everything


def test_a_4096_character_filter_is_not_refused_by_gunicorn(gunicorn):
    # the worst case of an ASCII filter: every character URL-encoded to three
    scim = 'subject.value eq "' + '"' * (4096 - 19) + '"'
    assert len(scim) == 4096
    target = "/api/rest/v1/authorisation?filter=" + quote(scim, safe="")
    assert len(target) > 12_000
    response, body = gunicorn.request("GET", target)
    assert response.status == 401, body[:300]  # Django's answer: gunicorn let it through
    assert b"errorMessage" in body
    widest = "/api/rest/v1/authorisation?filter=" + quote("\U0001F600" * 4096, safe="")
    assert len(widest) > 49_000  # every character four UTF-8 bytes, each %XX
    assert gunicorn.request("GET", widest)[0].status == 401
    too_long = "/api/rest/v1/authorisation?filter=" + "x" * (65 * 1024)
    assert gunicorn.request("GET", too_long)[0].status == 414  # still bounded


def test_no_server_banner(gunicorn):
    for target in ("/healthz", "/eidm2/services/orgs/", "/apidoc/", "/nothing"):
        response, _ = gunicorn.request("GET", target)
        assert response.getheader("Server") is None, (target, response.getheaders())
        assert response.getheader("X-Correlation-ID")


def test_pages_carry_a_content_security_policy(gunicorn):
    for target in ("/admin/login/", "/apidoc/", "/apidoc/redoc/"):
        response, _ = gunicorn.request("GET", target)
        assert response.status == 200, target
        policy = response.getheader("Content-Security-Policy") or ""
        assert "default-src 'self'" in policy and "object-src 'none'" in policy, policy
        assert "frame-ancestors 'none'" in policy


def send_chunked(port: int, target: str, total: int) -> tuple[int, bytes]:
    """Send up to `total` bytes as a chunked body, stopping when the server answers or
    closes; (bytes sent, response)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall((f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Content-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
    chunk = b"<" * (64 * 1024)
    sent = 0
    try:
        while sent < total:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
            if select.select([sock], [], [], 0)[0]:
                break  # the answer is there
        else:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server closed its side without reading the rest
    response = b""
    try:
        while chunk := sock.recv(65536):
            response += chunk
    except ConnectionResetError:
        pass
    sock.close()
    return sent, response


@pytest.mark.parametrize("target", [
    "/eidm2/services/orgs/?organizationId=big&friendlyName=Big",
    "/v1.1/auditcontext/generate",
])
def test_a_60_mb_chunked_body_is_413_and_the_worker_does_not_grow(gunicorn, target):
    (worker,) = gunicorn.worker_pids()
    before = memory_mib(worker)
    sent, response = send_chunked(gunicorn.port, target, 60 * MB)
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 "), response[:500]
    if target.startswith("/eidm2"):
        assert b"<code>12</code>" in body, body
    else:
        assert b'"Code": "RequestEntityTooLarge"' in body or b"PayloadTooLarge" in body, body
    after = memory_mib(worker)
    assert sent < 30 * MB, sent  # the server stopped reading at the limit (5 MiB)
    assert after["VmHWM"] - before["VmHWM"] < 25, (before, after)
    assert gunicorn.worker_pids() == [worker]  # and the worker lives on


def test_a_chunked_body_within_the_limit_reaches_the_app(gunicorn):
    # the unauthenticated request is refused by DRF, after the middleware read the body
    sent, response = send_chunked(gunicorn.port, "/v1.1/auditcontext/generate", 1 * MB)
    assert sent == 1 * MB
    assert response.startswith(b"HTTP/1.1 401 "), response[:300]


@pytest.fixture(scope="module")
def runserver(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runserver")
    with servers.runserver(tmp, f"sqlite:///{tmp / 'server.sqlite3'}") as server:
        yield server


def test_runserver_refuses_a_declared_60_mb_body_without_draining_it(runserver):
    sock = socket.create_connection(("127.0.0.1", runserver.port), timeout=10)
    sock.sendall((f"POST /v1.1/auditcontext/generate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  f"Content-Type: application/json\r\nContent-Length: {60 * MB}\r\n\r\n"
                  ).encode() + b"[" * MB)
    response = b""
    while chunk := sock.recv(65536):  # the server closes the connection (no drain, no wait)
        response += chunk
    sock.close()
    assert response.startswith(b"HTTP/1.1 413 "), response[:300]
    assert b'"CorrelationId"' in response


def test_runserver_answers_411_to_a_chunked_body(runserver):
    _, response = send_chunked(runserver.port, "/eidm2/services/orgs/?organizationId=x", MB)
    assert response.startswith(b"HTTP/1.1 411 "), response[:300]
    assert b"<code>1</code>" in response
