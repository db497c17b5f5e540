"""What every view of the CustomerID REST API 1.0 (spec 001) shares: XML in and out, HTTP
Basic first, query-string parameters, entity URLs, and the client's reach (its organization
subtrees, foundation.reach): anything outside it answers "not found"."""

from __future__ import annotations

import re

from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from foundation.api.permissions import RequiredPermission
from foundation.api.reach import ReachPermission, reach_of
from foundation.reach import Reach
from identities.api.authentication import BearerAuthentication, ServiceBasicAuthentication
from orgs import conf
from orgs.api.codes import NUMBERS
from orgs.api.params import Params
from orgs.api.xml import AlwaysXML, XMLParser, XMLRenderer, idlist
from orgs.errors import InvalidArgumentsError, SizeLimitExceededError
from orgs.models import SUBTREES

TAG = "CustomerID REST API 1.0"
IDLIST = OpenApiResponse(response=OpenApiTypes.STR, description="`<idlist><Id>URL</Id>…</idlist>`")
ENTITYLIST = OpenApiResponse(
    response=OpenApiTypes.STR,
    description='`<entitylist><entity id="URL" type="…"><attribute name="…"><value>…'
    "</value></attribute></entity></entitylist>`",
)
LIST_PARAMS = {"recursive", "maxResults"}


class CustomerIdView(APIView):
    error_style = "customerid"
    error_numbers = NUMBERS  # the vendor's error numbers by kind (foundation.api.exceptions)
    authentication_classes = [ServiceBasicAuthentication, BearerAuthentication]
    permission_classes = [RequiredPermission, ReachPermission]
    # Rows lead to their organization's path. The views look rows up by the path in the URL,
    # which DRF's queryset hooks do not see: orgs.queries takes `scope` (reach_of(view), the
    # answer ReachPermission and ReachFilterBackend use) and answers "not found" outside it.
    reach_realm, reach_field = SUBTREES, "path"
    renderer_classes = [XMLRenderer]
    parser_classes = [XMLParser, FormParser, MultiPartParser]
    content_negotiation_class = AlwaysXML
    required_permissions: dict[str, str] = {}

    def options(self, request, *args, **kwargs) -> Response:
        """CustomerID documents no OPTIONS: Tessera answers 200 with the methods in `Allow`
        (set on every response by DRF) and an empty body, not DRF's JSON metadata."""
        return Response(None)

    @property
    def scope(self) -> Reach:
        """The organization subtrees the client reaches (the declared realm's reach)."""
        return reach_of(self)

    def params(self, known: set[str], ignored: frozenset[str] = frozenset(), *,
               custom: bool = False) -> Params:
        """The query string (plus a form body's fields); with `custom`, unknown names are
        custom attributes (checked by the services), otherwise they are refused."""
        query = self.request.query_params.copy()
        if isinstance(self.request.data, QueryDict):
            for key, values in self.request.data.lists():
                query.setlist(key, query.getlist(key) + values)
        params = Params(query, known=known, ignored=ignored)
        if not custom and params.custom:
            name = sorted(params.custom)[0]
            raise InvalidArgumentsError(f"Unknown parameter {name[:64]!r}.")
        return params

    def require(self, perm: str) -> None:
        if not self.request.user.has_perm(perm):
            raise exceptions.PermissionDenied(
                f"Client does not have required permission {perm.split('.', 1)[1]}."
            )

    # URLs of the answers: the request's own scheme and host.
    def url(self, kind: str, path: str) -> str:
        if not hasattr(self, "_base"):
            self._base = self.request.build_absolute_uri("/eidm2/services/")
        return f"{self._base}{kind}/{path}"

    def answer(self, kind: str, paths) -> Response:
        return Response(idlist(self.url(kind, path) for path in paths))

    def limited(self, qs, params: Params, *fields: str) -> list:
        """Rows of `qs` (values_list of `fields`), refusing more than maxResults."""
        limit = params.number("maxResults", maximum=conf.max_results()) or conf.max_results()
        rows = list(qs.values_list(*fields)[: limit + 1])
        if len(rows) > limit:
            raise SizeLimitExceededError(f"More than {limit} results; narrow the request.")
        return rows


def entity_ref(value: str, kind: str) -> str:
    """A reference parameter (`user=ORG/USER`, `memberOf=ORG/ROLE`), also accepted as the
    entity's URL as Tessera answers it (`https://host/eidm2/services/role/ORG/ROLE`); the
    path is checked by `orgs.paths` (orgs.api.schema publishes the same rule)."""
    prefix = re.match(rf"https?://[^/\x00]+/eidm2/services/{kind}/", value)
    return value[prefix.end():] if prefix else value
