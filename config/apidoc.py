"""What the API docs pages load, all from this server (offline installs; the CSP allows no
other origin): Redoc's bundle from drf-spectacular-sidecar, served with its one remote
resource, the footer's Redocly logo from cdn.redoc.ly, replaced by an empty inline image."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import drf_spectacular_sidecar
from django.http import HttpResponse
from django.views.decorators.http import require_safe

REDOC_BUNDLE = (Path(drf_spectacular_sidecar.__file__).parent
                / "static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")
REMOTE_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
# an empty SVG as a data: URL (the CSP's img-src allows data:), the quotes percent-encoded
EMPTY_LOGO = b"data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27/%3E"


@lru_cache(maxsize=1)
def redoc_bundle_bytes() -> bytes:
    """The sidecar's bundle with the remote logo replaced (read once a process)."""
    bundle = REDOC_BUNDLE.read_bytes()
    if REMOTE_LOGO not in bundle:  # a new Redoc: check what it loads before serving it
        raise RuntimeError(f"{REDOC_BUNDLE} no longer holds {REMOTE_LOGO.decode()}")
    return bundle.replace(REMOTE_LOGO, EMPTY_LOGO)


@require_safe
def redoc_bundle(request):
    response = HttpResponse(redoc_bundle_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
