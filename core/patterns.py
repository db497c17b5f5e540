r"""Text rules written once, as regular expressions the services check and the OpenAPI schema
publishes as `pattern`s, so that what the server accepts and what the schema promises cannot
drift apart (docs/foundation.md, "The schema is the contract").

Each pattern reads the same in Python's `re` (the server; schemathesis generates from it) and in
the ECMA-262 and Rust engines that OpenAPI tools validate with: explicit character classes only
(no `\w`, `\s`, `\d`, whose Unicode extent differs between engines and Unicode versions), and
the server matches a value whole (`fullmatch`: in Python a bare `$` also matches before a
trailing newline).
"""

from __future__ import annotations

import re
from functools import cache

# The characters Python's str.isspace() calls whitespace: Unicode White_Space plus the
# information separators U+001C-U+001F (what str.strip() removes).
SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

# Any text without a NUL character (no database text column can hold one).
NUL_FREE = r"^[^\x00]*$"
# The same, not empty (where the empty string is a value of its own, documented beside it).
NUL_FREE_FILLED = r"^[^\x00]+$"
# Text with at least one character that is not whitespace, and no NUL character.
NOT_BLANK = rf"^[^\x00]*[^\x00{SPACE}][^\x00]*$"
# With `format: date-time`: the instants a server can hold whatever their offset (Python's
# datetime spans the years 1-9999; an offset could carry the first or the last day out of it).
INSTANT_RANGE = r"^(?!0001-01-01|9999-12-31)"
INSTANT_EDGES = ("0001-01-01", "9999-12-31")
# A UUID in its canonical written form (hex digits in either case).
UUID = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"

# A user name (the DFS `UserName`, the identity's `username`), up to USERNAME_MAX_LENGTH
# characters: ASCII letters, digits and . @ + _ - (identities.services.people.username_check;
# the API, the identities import and the external links all hold it).
USERNAME = r"^[A-Za-z0-9.@+_-]+$"
USERNAME_MAX_LENGTH = 150

# Base64 text as RFC 4648 section 4 writes it: the standard alphabet, padded to a multiple of
# four characters, nothing else (no line breaks, no excess padding), not empty.
_B64 = "[A-Za-z0-9+/]"
BASE64 = rf"^(?:{_B64}{{4}})*(?:{_B64}{{4}}|{_B64}{{3}}=|{_B64}{{2}}==)$"


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def matches(pattern: str, value: str) -> bool:
    """Whether the whole of `value` matches `pattern` (one of this module's, or an app's)."""
    return compiled(pattern).fullmatch(value) is not None
