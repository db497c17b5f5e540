"""What every onePortal viewset shares: the tag, the instant parameters, the permission table
and the base viewset (authentication, reach, the vendor's error shape)."""

from __future__ import annotations

import uuid

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, viewsets

from authorisations import queries
from authorisations.api.filters import ScimFilterBackend
from authorisations.api.pagination import ScimPagination
from authorisations.errors import NamespaceForbiddenError
from authorisations.models import (
    NAMESPACES,
)
from authorisations.validation import INSTANT
from core.patterns import INSTANT_RANGE, NUL_FREE_FILLED
from foundation.api.permissions import RequiredPermission
from foundation.api.reach import ReachFilterBackend, ReachPermission, reach_of
from foundation.api.schema import EMPTY_IS_DEFAULT
from identities.api.authentication import ChallengeEveryScheme

TAG = "onePortal Management API"
INSTANT_SCHEMA = {"type": "string", "format": "date-time", "pattern": INSTANT_RANGE}
AS_OF = OpenApiParameter(
    "asOf", INSTANT_SCHEMA, extensions=EMPTY_IS_DEFAULT,
    description="Answer as the records stood at this instant: created before it, not revoked "
    "or deleted then, with the validity they had (empty: now). " + INSTANT)
TEXT_PARAM = {"type": "string", "pattern": NUL_FREE_FILLED}
CONFLICT = OpenApiResponse(description="The record's state forbids the change (revoked, in use, "
                                       "or the code exists).")


def perms(prefix: str) -> dict[str, str]:
    view, create, modify, remove = (f"authorisations.{prefix}_{verb}"
                                    for verb in ("VIEW", "CREATE", "MODIFY", "REMOVE"))
    return {"list": view, "retrieve": view, "check": view, "create": create,
            "update": modify, "partial_update": modify, "revoke": modify, "destroy": remove}


class OnePortalViewSet(ChallengeEveryScheme, viewsets.GenericViewSet):
    """The surface's common parts: error style, permissions, isolation, SCIM paging; a 401
    challenges Bearer and Basic (the vendor SDK sends Basic)."""

    error_style = "oneportal"
    permission_classes = [RequiredPermission, ReachPermission]
    filter_backends = [ReachFilterBackend, ScimFilterBackend]
    reach_realm, reach_field = NAMESPACES, "namespace"  # every row names its namespace
    pagination_class = ScimPagination
    lookup_value_regex = "[^/]+"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        params = request.query_params
        if any("\x00" in value for value in params.values()):
            raise exceptions.ValidationError({"query": ["Null characters are not allowed."]})
        repeated = sorted(name for name, values in params.lists() if len(values) > 1)
        if repeated:
            raise exceptions.ValidationError(
                {name: ["Given more than once."] for name in repeated})

    def get_object(self):
        try:
            uuid.UUID(str(self.kwargs[self.lookup_field]))
        except ValueError:
            raise Http404 from None
        return super().get_object()

    def namespace_for_write(self, code: str | None):
        """The namespace a create goes to: the one named (403 if not the client's) or the
        client's default (400 if it has none)."""
        if code:
            namespace = reach_of(self).find(code=code)
            if namespace is None:
                raise NamespaceForbiddenError(f"Client may not use namespace {code}.")
            return namespace
        namespace = queries.default_namespace_for(self.request.user)
        if namespace is None:
            raise exceptions.ValidationError(
                {"nsCode": ["The client has no default namespace; name one."]})
        return namespace
