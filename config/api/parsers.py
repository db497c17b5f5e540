"""The one JSON parser of every JSON surface: DRF's, with the nesting depth bounded.

Python's json module recurses once per level, so a body nested a thousand levels deep raises
RecursionError (a 500) in the parser, and one a little shallower can still overflow a recursive
walk later (serializers, the error flattener, the change log's encoder). No vendor body nests
more than a few levels, so a body deeper than `max_depth` is refused with 400 before it is
parsed, in the surface's error style (via ParseError and the one exception handler).
"""

from __future__ import annotations

import codecs
import io
from itertools import accumulate

from rest_framework import parsers
from rest_framework.exceptions import ParseError

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


class JSONParser(parsers.JSONParser):
    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        encoding = parsers.get_encoding(parser_context or {})  # the request's charset
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise ParseError(f"JSON parse error - {error}") from None
        utf8 = raw if codecs.lookup(encoding).name == "utf-8" else text.encode()
        if deeper_than(utf8, self.max_depth):
            raise ParseError(f"JSON nested deeper than {self.max_depth} levels.")
        return super().parse(io.BytesIO(raw), media_type, parser_context)
