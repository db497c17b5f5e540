"""The Content-Security-Policy of every response (django-csp's middleware), and what the two
API docs pages add to it.

The policy allows this origin only, and inline code only with the request's nonce. The admin
needs nothing more (Django's admin has no inline script). Swagger UI and Redoc are served
offline from drf-spectacular-sidecar by our own copies of their pages (templates/apidoc/),
which mark their inline style and script with the nonce; what else each needs was checked in
a headless Chromium (docs/foundation.md, "Content-Security-Policy").
"""

from __future__ import annotations

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp_update

POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Redoc renders with styled-components, which adds <style> elements without a nonce, and runs
# its search in a Web Worker made from a blob: URL.
REDOC = {"style-src-elem": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}


def redoc_page(view):
    return csp_update(REDOC)(view)
