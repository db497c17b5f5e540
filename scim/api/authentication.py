"""Authentication of the SCIM surface: `Authorization: Bearer <token>`, a SCIM token of one
organization (`manage.py create_scim_token`). The token's service account is the request's
actor; the token (`request.auth`) confines the request to its organization's subtree.

No token, a wrong, revoked or malformed one: 401 (`WWW-Authenticate: Bearer`); failures count
towards the lockout every surface shares (`foundation.api.lockout`).
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from audit import context as scope
from foundation.api import lockout
from foundation.consistency.route import primary
from identities.api.authentication import refuse_if_locked
from scim.queries.tokens import token_of
from scim.services.tokens import token_used

REALM = 'Bearer realm="tessera-scim"'


class ScimTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        attempt = lockout.Attempt.of(request)
        refuse_if_locked(attempt)
        try:
            with primary():  # a revoked token is refused at once, whatever a replica's lag
                token = self._verify(parts)
                token_used(token=token)
        except AuthenticationFailed:
            lockout.failed(attempt)
            raise
        scope.set_actor(token.identity)
        return token.identity, token

    def _verify(self, parts: list[bytes]):
        if len(parts) != 2:
            raise AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            secret = ""
        token = token_of(secret)
        if token is None:
            raise AuthenticationFailed("The SCIM token is invalid or revoked.")
        return token

    def authenticate_header(self, request):
        return REALM


class ScimTokenScheme(OpenApiAuthenticationExtension):
    target_class = "scim.api.authentication.ScimTokenAuthentication"
    name = "scimToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": ("A SCIM token of one organization: `manage.py create_scim_token "
                            "ORG_PATH --json` prints it once."),
        }
