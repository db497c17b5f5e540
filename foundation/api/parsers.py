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

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from core.json_depth import MAX_DEPTH, deeper_than


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
