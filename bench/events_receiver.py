"""The webhook receiver of bench/events.py: a threaded http.server on loopback, in the bench's
own process, that answers every POST 200 and records when each `webhook-id` first arrived.

A delivery is verified with the Standard Webhooks library, as a subscriber would (a bad
signature is counted, and fails the bench). The arrival time is taken on `time.monotonic()` as
the request's handler starts, the clock the bench's writer takes its commit times on. For a
tenant's rename the event's new name is kept with it: the writer names each write, so its
commit time and its arrival meet by that name.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


@dataclass
class Receiver:
    port: int = 0
    secret: str = ""
    first: dict[str, float] = field(default_factory=dict)  # webhook-id → first arrival
    named: dict[str, float] = field(default_factory=dict)  # a tenant's new name → arrival
    posts: int = 0
    unverified: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def count(self) -> int:
        """Distinct events received."""
        with self.lock:
            return len(self.first)

    def repeats(self) -> int:
        """POSTs of an event already received."""
        with self.lock:
            return self.posts - len(self.first)

    def wait_for(self, count: int, timeout: float, *, progress: float = 0,
                 since: int = 0) -> float | None:
        """Until `count` distinct events arrived: the monotonic time it happened (None: timed
        out). With `progress`, a line every so many seconds (counting from `since`)."""
        deadline, shown = time.monotonic() + timeout, time.monotonic()
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.first) >= count:
                    return max(self.first.values())
            if progress and time.monotonic() - shown > progress:
                shown = time.monotonic()
                print(f"   … {self.count() - since:,} of {count - since:,} received",
                      flush=True)
            time.sleep(0.02)
        return None

    def take(self, arrived: float, headers: dict[str, str], body: bytes) -> None:
        try:
            Webhook(self.secret).verify(body, headers)
            verified = True
        except Exception:  # any refusal counts as unverified
            verified = False
        event = json.loads(body)
        name = None
        if event.get("type") == "tessera.tenant.updated":
            name = (event.get("data") or {}).get("after", {}).get("name")
        event_id = headers.get("webhook-id", "")
        with self.lock:
            self.posts += 1
            self.unverified += not verified
            self.first.setdefault(event_id, arrived)
            if name is not None:
                self.named.setdefault(name, arrived)


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            arrived = time.monotonic()
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.take(arrived, {k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
