"""What every view of the SCIM service shares: the token, SCIM JSON in and out, SCIM errors,
the confinement to the token's organization subtree."""

from __future__ import annotations

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from foundation.api.parsers import JSONParser
from foundation.api.reach import NoRealm, ReachPermission
from orgs.models import Organization
from scim.api.authentication import ScimTokenAuthentication
from scim.api.errors import exception_handler
from scim.models import ScimToken
from scim.resources import MEDIA_TYPE

TAG = "SCIM 2.0"
PREFIX = "/scim/v2/"


class ScimJSONParser(JSONParser):
    media_type = MEDIA_TYPE


class ScimJSONRenderer(JSONRenderer):
    media_type = MEDIA_TYPE
    charset = None


class ScimNegotiation(BaseContentNegotiation):
    """Bodies in application/scim+json or application/json; answers in application/scim+json,
    or application/json to a client that accepts that and not SCIM's own (RFC 7644 §3.1).
    Never 406."""

    def select_parser(self, request, parsers):
        media = request.content_type.split(";")[0].strip().lower()
        return next((parser for parser in parsers if parser.media_type == media), None)

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.headers.get("Accept", "").lower()
        if "application/json" in accept and MEDIA_TYPE not in accept:
            return renderers[1], renderers[1].media_type
        return renderers[0], renderers[0].media_type


class ScimView(APIView):
    authentication_classes = [ScimTokenAuthentication]
    permission_classes = [IsAuthenticated, ReachPermission]
    reach_realm = NoRealm("a SCIM token is confined to its own organization's subtree by the "
                          "token itself (scim.queries: every read starts from it)")
    parser_classes = [ScimJSONParser, JSONParser]
    renderer_classes = [ScimJSONRenderer, JSONRenderer]
    content_negotiation_class = ScimNegotiation
    error_style = "scim"

    def get_exception_handler(self):
        return exception_handler

    def options(self, request, *args, **kwargs) -> Response:
        """200 with the methods in `Allow` and no body (SCIM defines no OPTIONS)."""
        return Response(None)

    @property
    def token(self) -> ScimToken:
        return self.request.auth

    @property
    def organization(self) -> Organization:
        """The root of everything this request may see or change."""
        return self.token.organization

    def base_url(self) -> str:
        return self.request.build_absolute_uri(PREFIX).rstrip("/")
