"""What the benchmarks share: percentiles, milliseconds, and talking to the gunicorn they start."""

from __future__ import annotations

import http.client
import socket
import time


def pct(values: list[float], q: float) -> float:
    """The q-quantile of `values` (nearest rank)."""
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def ms(seconds: float, digits: int = 2) -> str:
    return f"{seconds * 1000:.{digits}f} ms"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body, headers, *,
            timeout: float = 120) -> tuple[int, bytes]:
    """One request on a connection of its own (as a client without keep-alive makes it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_up(port: int) -> None:
    """Until the server on `port` answers /healthz (or give up after about 20 s)."""
    for _ in range(100):
        try:
            status, _ = request(port, "GET", "/healthz", None, {})
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def token_for(client, creds) -> str:
    """A client-credentials token from `client` (Django's test client) for `creds`."""
    response = client.post("/oauth/token/", {
        "grant_type": "client_credentials", "client_id": creds.client_id,
        "client_secret": creds.client_secret})
    return response.json()["access_token"]
