"""gunicorn's access log with secrets masked (used by gunicorn.conf.py).

CustomerID clients send `pwd` and `hetu` in the query string, so gunicorn's default access log
(the request line, the query, the referrer) holds them in clear. `AccessLogger` masks, in every
atom of the access-log format, the value of each query parameter whose name is a secret's:
the change log's `SECRET_FIELDS` and anything named like a password, secret, token, key or
national id. Credential headers (`{authorization}i`, `{cookie}i`, …) are masked whole.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from gunicorn import glogging

from audit.states import MASK, SECRET_FIELDS

# Names that hold a secret besides SECRET_FIELDS (matched anywhere in the lower-cased name).
_SECRET_LIKE = re.compile(r"pass|pwd|secret|token|hetu|ssn|api_?key|credential|signature")
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy_authorization", "cookie", "set_cookie"})
# name=value after the start, `?`, `&` or `;`; the value ends at a separator or a space
# (the request line's " HTTP/1.1").
_PARAMETER = re.compile(r"(?P<lead>^|[?&;])(?P<name>[^=&;?#\s]+)=(?P<value>[^&;#\s]*)")
_HEADER_ATOM = re.compile(r"^\{(?P<name>[^}]+)\}(?P<kind>[ioe])$")


def is_secret_name(name: str) -> bool:
    """Whether a parameter or header name names a secret."""
    plain = unquote_plus(name).lower().replace("-", "_")
    return plain in SECRET_FIELDS or bool(_SECRET_LIKE.search(plain))


def mask_parameters(text: str) -> str:
    """`text` (a URL, a query string, a request line) with the values of secret parameters
    replaced by the mask."""
    if "=" not in text:
        return text
    return _PARAMETER.sub(_mask_match, text)


def _mask_match(match: re.Match) -> str:
    if not match["value"] or not is_secret_name(match["name"]):
        return match[0]
    return f"{match['lead']}{match['name']}={MASK}"


def mask_atom(key: str, value: str) -> str:
    header = _HEADER_ATOM.match(key)
    if header:
        name = header["name"].lower().replace("-", "_")
        if header["kind"] == "e" and name.startswith("http_"):
            name = name[len("http_"):]
        if name in _CREDENTIAL_HEADERS or is_secret_name(name):
            return MASK
    return mask_parameters(value)


class AccessLogger(glogging.Logger):
    """gunicorn's logger, whose access-log atoms have their secrets masked."""

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask_atom(key, value) if isinstance(value, str) else value
                for key, value in atoms.items()}
