"""One attempt on the wire (events.webhooks.sender): the address checked is the address
connected to, no redirect followed, short timeouts, only an excerpt of the answer kept."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from events.webhooks import sender
from events.webhooks.signing import new_secret, signed


@contextmanager
def answering(status: int, body: bytes = b"", headers: dict | None = None,
              delay: float = 0) -> Iterator[tuple[str, list]]:
    seen: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            seen.append((self.path, dict(self.headers), self.rfile.read(length)))
            time.sleep(delay)
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"localhost:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def request():
    return signed(new_secret(), "chg_1", b'{"specversion": "1.0"}')


@pytest.fixture(autouse=True)
def private_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_READ_SECONDS = 0.5


def test_a_2xx_is_delivered_and_the_name_travels_as_host(settings):
    with answering(204) as (where, seen):
        outcome = sender.post(f"http://{where}/hooks?x=1", request())
    assert outcome == sender.Outcome(True, 204, excerpt="")
    ((path, headers, body),) = seen
    assert path == "/hooks?x=1" and headers["Host"] == where
    assert headers["webhook-id"] == "chg_1" and body == b'{"specversion": "1.0"}'
    assert headers["Content-Type"] == "application/cloudevents+json"


def test_a_redirect_is_a_failure_and_is_not_followed():
    with answering(302, headers={"Location": "http://169.254.169.254/"}) as (where, seen):
        outcome = sender.post(f"http://{where}/", request())
    assert (outcome.delivered, outcome.status, outcome.error) == (False, 302, "answered 302")
    assert len(seen) == 1


def test_only_an_excerpt_of_the_answer_is_read():
    with answering(500, body=b"x" * 50_000) as (where, _):
        outcome = sender.post(f"http://{where}/", request())
    assert outcome.status == 500 and outcome.excerpt == "x" * sender.RESPONSE_EXCERPT


def test_a_slow_receiver_times_out():
    with answering(200, delay=2) as (where, _):
        started = time.monotonic()
        outcome = sender.post(f"http://{where}/", request())
    assert not outcome.delivered and "Timeout" in outcome.error
    assert time.monotonic() - started < 1.5


def test_a_closed_port_is_a_connection_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = sender.post(f"http://127.0.0.1:{port}/", request())
    assert not outcome.delivered and outcome.status is None and outcome.error


def test_a_private_address_is_refused_at_delivery_time_and_nothing_is_sent(settings):
    with answering(200) as (where, seen):
        settings.WEBHOOK_ALLOW_PRIVATE = False  # allowed when made, not any more
        outcome = sender.post(f"http://{where}/", request())
    assert not outcome.delivered and outcome.error.startswith("refused: ")
    assert seen == []


def test_the_request_goes_to_the_address_checked(monkeypatch):
    """The name resolves once, to the address checked; a second lookup (DNS rebinding) would
    not be asked."""
    lookups = []

    def resolve(host, port):
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr("events.webhooks.addresses.resolve", resolve)
    with answering(200) as (where, seen):
        port = where.split(":")[1]
        outcome = sender.post(f"http://hooks.rebinding.test:{port}/", request())
    assert outcome.delivered and lookups == ["hooks.rebinding.test"]
    assert seen[0][1]["Host"] == f"hooks.rebinding.test:{port}"


def test_an_address_that_takes_no_connection_gives_way_to_the_next(monkeypatch):
    monkeypatch.setattr("events.webhooks.addresses.resolve",
                        lambda host, port: ["127.0.0.2", "127.0.0.1"])
    with answering(200) as (where, seen):
        port = where.split(":")[1]
        outcome = sender.post(f"http://two.addresses.test:{port}/", request())
    assert outcome.delivered and len(seen) == 1
