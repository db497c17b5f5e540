"""Every request body is bounded by `DATA_UPLOAD_MAX_MEMORY_SIZE`, whatever its content type and
transfer encoding, before any view or parser reads it.

Django checks the limit only where it reads a body itself (`request.body`, form parsing), so a
body that a parser reads as a stream (the CustomerID XML parser) and a chunked body (no
`Content-Length`: Django then reads it as empty) slipped past it. This middleware:

- refuses a declared `Content-Length` over the limit with 413 without reading a byte;
- reads a chunked body that the server has decoded (`wsgi.input_terminated`, as gunicorn sets)
  up to the limit + 1 byte: more is 413, otherwise the body is handed on with its length, so
  parsers see it as if it had been sent with a `Content-Length`;
- answers 411 to a chunked body that the server cannot decode (`runserver`).

Refusals answer in the surface's error style (`foundation.api.errors`; CustomerID: code 12, size
limit exceeded), pages outside the APIs a plain-text status.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse

from foundation.api.errors import ApiError, additiv_code, reason, render, style_for_path

_READ_SIZE = 64 * 1024


class BodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and "wsgi.input" in request.META:  # ASGI spools bodies itself
            refusal = self.refusal(request, limit)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def refusal(self, request: HttpRequest, limit: int) -> HttpResponse | None:
        meta = request.META
        declared = _content_length(meta.get("CONTENT_LENGTH"))
        if declared is not None:
            if declared > limit:
                _forget_unread_body(meta["wsgi.input"])
                return too_large(request, limit)
            return None
        if "chunked" not in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
            return None
        if not meta.get("wsgi.input_terminated"):
            return refuse(request, 411, "Send the body with a Content-Length (this server "
                                        "cannot read a chunked body).", number=1)
        body = read_at_most(meta["wsgi.input"], limit + 1)
        if len(body) > limit:
            return too_large(request, limit)
        # The body is in memory (at most the limit): hand it on as if it had a Content-Length.
        # WSGIRequest reads its body from `_stream`, built from CONTENT_LENGTH at creation.
        meta["CONTENT_LENGTH"] = str(len(body))
        meta["wsgi.input"] = io.BytesIO(body)
        request._stream = LimitedStream(io.BytesIO(body), len(body))
        return None


def read_at_most(stream, size: int) -> bytes:
    """Up to `size` bytes of `stream`, read in blocks (a chunked reader returns what it has)."""
    parts, total = [], 0
    while total < size:
        part = stream.read(min(_READ_SIZE, size - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)


def _content_length(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None  # as Django does: an unreadable length is no body


def _forget_unread_body(stream) -> None:
    """`runserver` drains the unread rest of a body after the response, in one read: a refused
    body is not drained (the development server then closes the connection, as the response
    has no Content-Length). gunicorn's input has no such limit and drains in bounded steps."""
    if isinstance(stream, LimitedStream):
        stream.limit = 0


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    return refuse(request, 413, f"The request body is larger than {limit} bytes.")


def refuse(request: HttpRequest, status: int, message: str, *,
           number: int | None = None) -> HttpResponse:
    style = style_for_path(request.path)
    if style is None:
        return HttpResponse(f"{status} {reason(status)}: {message}\n", status=status,
                            content_type="text/plain; charset=utf-8")
    return render(ApiError(status, additiv_code(status), message, number=number), style)
