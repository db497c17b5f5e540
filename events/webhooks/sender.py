"""One attempt: the signed POST of one event to a subscriber, and what came of it.

The URL's host is resolved and checked (events.webhooks.addresses) on every attempt, and the
request goes to the very address checked (the name is sent as `Host` and, for https, as the
TLS server name and the certificate's expected name), so a name that resolves elsewhere a
moment later cannot turn the request inward. No redirect is followed (a 3xx is a failure);
timeouts are short (WEBHOOK_CONNECT_SECONDS to connect, WEBHOOK_READ_SECONDS per read); of the
answer's body only the first RESPONSE_EXCERPT bytes are read, and kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import urllib3
from django.conf import settings

from events.webhooks.addresses import AddressRefused, check
from events.webhooks.signing import SignedDelivery

RESPONSE_EXCERPT = 1000
USER_AGENT = "Tessera-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status: int | None = None
    error: str = ""
    excerpt: str = ""


def post(url: str, request: SignedDelivery) -> Outcome:
    """Send the request to the first of the URL's checked addresses that takes a connection;
    any error of the network becomes a failed Outcome."""
    try:
        addresses = check(url)
    except AddressRefused as error:
        return Outcome(False, error=f"refused: {error}")
    outcome = Outcome(False, error="no address")
    for address in addresses:
        outcome = _post_to(address, urlsplit(url), request)
        if outcome.status is not None or not outcome.error.startswith(_UNREACHED):
            return outcome
    return outcome


_UNREACHED = ("NewConnectionError", "ConnectTimeoutError")


def _post_to(address: str, parts: SplitResult, request: SignedDelivery) -> Outcome:
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    default_port = port == (443 if https else 80)
    timeout = urllib3.Timeout(connect=settings.WEBHOOK_CONNECT_SECONDS,
                              read=settings.WEBHOOK_READ_SECONDS)
    options = {"server_hostname": parts.hostname, "assert_hostname": parts.hostname,
               "cert_reqs": "CERT_REQUIRED"} if https else {}
    pool_class = urllib3.HTTPSConnectionPool if https else urllib3.HTTPConnectionPool
    pool = pool_class(address, port, timeout=timeout, retries=False, maxsize=1, **options)
    headers = {**request.headers, "User-Agent": USER_AGENT,
               "Host": parts.hostname if default_port else f"{parts.hostname}:{port}"}
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        response = pool.urlopen("POST", target, body=request.body, headers=headers,
                                redirect=False, retries=False, preload_content=False,
                                assert_same_host=False)
        try:
            excerpt = response.read(RESPONSE_EXCERPT, decode_content=False)
        finally:
            response.release_conn()
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return Outcome(False, error=_describe(error))
    finally:
        pool.close()
    text = excerpt.decode("utf-8", "replace")
    if 200 <= response.status < 300:
        return Outcome(True, response.status, excerpt=text)
    return Outcome(False, response.status, error=f"answered {response.status}", excerpt=text)


def _describe(error: Exception) -> str:
    reason = getattr(error, "reason", None) or error
    return f"{type(reason).__name__}: {reason}"[:500]
