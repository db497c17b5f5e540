"""A webhook receiver on loopback for the tests: it verifies each delivery with the Standard
Webhooks library (the way a subscriber would), keeps what it received, and answers as told."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook

# (webhook-id, how many times that id came before) → status to answer
Answer = Callable[[str, int], int]


@dataclass
class Received:
    id: str
    event: dict
    headers: dict
    verified: bool
    at: float


@dataclass
class Receiver:
    port: int
    secret: str = ""
    answer: Answer = lambda event_id, seen: 200
    hold: Callable[[str, int], threading.Event | None] = lambda event_id, seen: None
    got: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def ids(self) -> list[str]:
        with self.lock:
            return [r.id for r in self.got]

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.got) >= count:
                    return list(self.got)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.got)} deliveries received, {count} expected")

    def _take(self, handler: BaseHTTPRequestHandler) -> tuple[int, threading.Event | None]:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        headers = {k.lower(): v for k, v in handler.headers.items()}
        try:
            Webhook(self.secret).verify(body, headers)
            verified = True
        except Exception:
            verified = False
        event_id = headers.get("webhook-id", "")
        with self.lock:
            seen = sum(1 for r in self.got if r.id == event_id)
            self.got.append(Received(event_id, json.loads(body or b"null"), headers, verified,
                                     time.monotonic()))
        return self.answer(event_id, seen), self.hold(event_id, seen)


@contextmanager
def receiving(**options) -> Iterator[Receiver]:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            status, hold = receiver._take(self)
            if hold is not None:
                hold.wait(60)
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(f"answer {status}".encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(server.server_address[1], **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
