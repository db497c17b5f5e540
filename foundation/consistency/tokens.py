"""The `Tessera-Consistency` token: a WAL position of the primary, opaque to clients.

Twelve URL-safe characters: a version byte and the 64-bit LSN, base64url without padding.
A token that does not decode names no position: the read it comes with goes to the primary.
"""

from __future__ import annotations

import base64
import binascii
import struct

HEADER = "Tessera-Consistency"
_VERSION = 1
_LAYOUT = struct.Struct(">BQ")


def lsn_from_text(text: str) -> int:
    """PostgreSQL's `pg_lsn` text (`16/B374D848`) as an integer."""
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def encode(lsn: int) -> str:
    return base64.urlsafe_b64encode(_LAYOUT.pack(_VERSION, lsn)).decode().rstrip("=")


def decode(token: str) -> int | None:
    """The LSN a token carries, or None for anything that is not a token."""
    if len(token) != 12:
        return None
    try:
        version, lsn = _LAYOUT.unpack(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, struct.error, ValueError):
        return None
    return lsn if version == _VERSION else None
