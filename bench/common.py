"""What the benchmarks share: percentiles, milliseconds, and talking to the gunicorn they start."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


def stop(process: subprocess.Popen) -> None:
    """Terminate `process`; kill it when it will not stop within 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def gunicorn(*, timeout: int = 120) -> Iterator[int]:
    """A gunicorn of this checkout (2 sync workers, DEBUG=0) on a free loopback port, up, for
    the block (yields the port). Its log is printed when the block fails; it is stopped after
    (killed when it will not stop)."""
    port = free_port()
    env = {**os.environ, "DEBUG": "0", "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING"}
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning",
         "--timeout", str(timeout)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_up(port)
        yield port
    except BaseException:
        log.seek(0)
        sys.stderr.write(log.read().decode(errors="replace")[-5000:])
        raise
    finally:
        stop(server)
        log.close()


def bearer_headers(port: int, creds, **extra: str) -> dict[str, str]:
    """Headers with a client-credentials token for `creds`, asked of the server on `port`."""
    status, body = request(port, "POST", "/oauth/token/", urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_id": creds.client_id,
        "client_secret": creds.client_secret}),
        {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, body
    return {"Authorization": f"Bearer {json.loads(body)['access_token']}", **extra}
