"""How deep a JSON text nests, counted without parsing it (so without recursion).

Python's json module recurses once per level: a text nested a thousand levels deep raises
RecursionError, and one a little shallower can still overflow a recursive walk later. Every
reader of untrusted JSON (the API parser, the NDJSON import reader) refuses a text deeper than
MAX_DEPTH before parsing it; no vendor body nests more than a few levels.
"""

from __future__ import annotations

from itertools import accumulate

MAX_DEPTH = 64

# Everything but brackets and quotes, deleted before the depth is counted.
_OTHER = bytes(set(range(256)) - set(b'[]{}"'))
_DELTA = [0] * 256
_DELTA[ord("[")] = _DELTA[ord("{")] = 1
_DELTA[ord("]")] = _DELTA[ord("}")] = -1
_BLOCK = 65536


def deeper_than(data: bytes, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels deep in a UTF-8 JSON text,
    counted without recursion; brackets inside string literals do not count.

    All in C-speed byte operations for a well-formed body: drop escaped backslashes and
    quotes, keep only brackets and quotes, drop what is between quotes, then remove the innermost
    `[]`/`{}` pairs `limit` times: a body no deeper than that is gone by then. Only what
    remains (a deep or malformed body) is measured exactly, block by block."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    reduced = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _OTHER)
    brackets = b"".join(reduced.split(b'"')[::2])  # every quote left opens or closes a string
    remaining = brackets
    for _ in range(limit):
        # one level: each innermost pair becomes a marker first, so `{[]}` loses one level
        shorter = remaining.replace(b"[]", b"x").replace(b"{}", b"x").replace(b"x", b"")
        if len(shorter) == len(remaining):
            break
        remaining = shorter
    if not remaining:
        return False
    depth = 0
    for start in range(0, len(brackets), _BLOCK):
        levels = list(accumulate(map(_DELTA.__getitem__, brackets[start:start + _BLOCK]),
                                 initial=depth))
        if max(levels) > limit:
            return True
        depth = levels[-1]
    return False
