"""Where a webhook may be delivered: only to public addresses, unless WEBHOOK_ALLOW_PRIVATE.

A subscriber's URL is refused when its host is, or resolves to, a loopback, private, link-local
(the cloud metadata service 169.254.169.254 among them), shared (100.64.0.0/10), multicast,
reserved or unspecified address, in IPv4 or IPv6 (an IPv4 address mapped into IPv6 is judged
as IPv4). Every address the name resolves to must be public: a name that answers one public and
one private address is refused. The check runs when the subscription is made and again before
each delivery, since DNS can change. Only http and https, no user name or password in the URL.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings

Resolver = Callable[[str, int], list[str]]


class AddressRefused(ValueError):  # noqa: N818 (a refusal, said as one)
    """A URL a webhook may not be delivered to, and why."""


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the system's resolver)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused(f"{host} does not resolve: {error}") from None
    return sorted({info[4][0] for info in infos})


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def check(url: str, *, resolver: Resolver | None = None) -> list[str]:
    """The addresses `url` may be delivered to; AddressRefused when it may not be."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("a webhook URL is http:// or https:// with a host")
    if parts.username or parts.password:
        raise AddressRefused("a webhook URL carries no user name or password")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise AddressRefused("the URL's port is not a number from 0 to 65535") from None
    addresses = (resolver or resolve)(parts.hostname, port)
    if not addresses:
        raise AddressRefused(f"{parts.hostname} resolves to no address")
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False):
        return addresses
    private = [a for a in addresses if not is_public(a)]
    if private:
        raise AddressRefused(
            f"{parts.hostname} resolves to {', '.join(private)}: not a public address (set "
            "WEBHOOK_ALLOW_PRIVATE=1 to deliver inside your own network)")
    return addresses
