"""Thin viewsets of onePortal authorisations: parse, check permission, call a service."""

from __future__ import annotations

import uuid

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from authorisations import queries
from authorisations.api.base import (
    AS_OF,
    CONFLICT,
    INSTANT_SCHEMA,
    TAG,
    TEXT_PARAM,
    OnePortalViewSet,
    perms,
)
from authorisations.api.filters import sort_descending
from authorisations.api.pagination import page_body, page_window
from authorisations.api.serializers import (
    AuthorisationSerializer,
    AuthorisationWriteSerializer,
    CheckSerializer,
    RevokeSerializer,
)
from authorisations.clients import client_id_of
from authorisations.models import (
    Authorisation,
    Namespace,
    ObjectType,
    SubjectType,
)
from authorisations.queries import grant_rights
from authorisations.services import authorisations as writes
from authorisations.validation import INSTANT, instant
from foundation.api.permissions import RequiredPermission
from foundation.api.reach import ReachPermission, reach_of
from foundation.api.schema import EMPTY_IS_DEFAULT

CREATE = "authorisations.AUTHORISATION_CREATE"


class GrantRightOrPermission(RequiredPermission):
    """AUTHORISATION_CREATE, or (for a create) an active grant right the client holds: the
    create then checks that the right covers what it writes (`namespace_by_grant_right`)."""

    def has_permission(self, request, view) -> bool:
        if (getattr(view, "action", None) == "create" and request.user.is_authenticated
                and not request.user.has_perm(CREATE)
                and grant_rights.grant_rights_held(identity=request.user,
                                                   client_id=client_id_of(request))):
            return True
        return super().has_permission(request, view)


class AuthorisationViewSet(OnePortalViewSet):
    queryset = Authorisation.objects.alive().select_related("namespace", "type", "source")
    serializer_class = AuthorisationSerializer
    required_permissions = perms("AUTHORISATION")
    permission_classes = [GrantRightOrPermission, ReachPermission]
    filter_attrs = queries.AUTHORISATION_ATTRS

    def as_of(self) -> object | None:
        raw = self.request.query_params.get("asOf")
        if raw in (None, ""):
            return None
        try:
            return instant(raw)
        except ValueError as error:
            raise exceptions.ValidationError({"asOf": [str(error)]}) from None

    @extend_schema(tags=[TAG], operation_id="authorisation_list", parameters=[AS_OF],
                   summary="List authorisations (SCIM filter, paging, asOf)")
    def list(self, request):
        at = self.as_of()
        if at is None:
            page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        start, count = page_window(request)
        params = request.query_params
        result = queries.authorisations_as_of(
            identity=request.user, at=at, filter_text=params.get("filter"),
            order=queries.sort_path(params.get("sortBy"), self.filter_attrs),
            descending=sort_descending(request), offset=start, limit=count)
        rows = AuthorisationSerializer(result.rows, many=True, context=self.context_at(at)).data
        return Response(page_body(result.total, start, rows))

    @extend_schema(tags=[TAG], operation_id="authorisation_retrieve", parameters=[AS_OF],
                   summary="Read an authorisation")
    def retrieve(self, request, pk=None):
        at = self.as_of()
        if at is None:
            return Response(self.get_serializer(self.get_object()).data)
        try:
            found = queries.authorisation_as_of(identity=request.user, pk=uuid.UUID(pk), at=at)
        except ValueError:
            found = None
        if found is None:
            raise Http404
        return Response(AuthorisationSerializer(found, context=self.context_at(at)).data)

    def context_at(self, at) -> dict:
        """The serializer context of a read as of `at` (the request too: absolute locations)."""
        return {**self.get_serializer_context(), "at": at}

    @extend_schema(tags=[TAG], operation_id="authorisation_create",
                   request=AuthorisationWriteSerializer,
                   responses={201: AuthorisationSerializer}, summary="Create an authorisation")
    def create(self, request):
        body = AuthorisationWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if request.user.has_perm(CREATE):
            namespace = self.namespace_for_write(data.get("ns_code"))
        else:
            namespace = self.namespace_by_grant_right(data)
        created = writes.authorisation_create(namespace=namespace, data=data)
        return Response(self.get_serializer(created).data, status=201)

    def namespace_by_grant_right(self, data) -> Namespace:
        """Without AUTHORISATION_CREATE, a create stands on an active grant right of the client
        for the type, in the namespace named (or the only one it holds grant rights in), with
        the client itself as the object; otherwise it is refused as the permission's."""
        request = self.request
        client_id = client_id_of(request)
        code = data.get("ns_code")
        held = grant_rights.grant_rights_held(identity=request.user, client_id=client_id)
        namespace = next((ns for ns in held if ns.code == code), None) if code else (
            held[0] if len(held) == 1 else None)
        if namespace is None or not grant_rights.grant_right_admits(
                identity=request.user, client_id=client_id, namespace=namespace,
                type_code=data.get("type_code", ""), object_type=data.get("object_type", ""),
                object_value=data.get("object_value", "")):
            raise exceptions.PermissionDenied(RequiredPermission.message_template.format(
                codename=CREATE.split(".", 1)[1]))
        return namespace

    def _change(self, request, *, partial: bool):
        authorisation = self.get_object()
        body = AuthorisationWriteSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        changed = writes.authorisation_update(
            authorisation=authorisation, data=body.validated_data, replace=not partial)
        return Response(self.get_serializer(changed).data)

    @extend_schema(tags=[TAG], operation_id="authorisation_update",
                   request=AuthorisationWriteSerializer,
                   responses={200: AuthorisationSerializer, 409: CONFLICT},
                   summary="Replace an authorisation's fields")
    def update(self, request, pk=None):
        return self._change(request, partial=False)

    @extend_schema(tags=[TAG], operation_id="authorisation_partial_update",
                   request=AuthorisationWriteSerializer,
                   responses={200: AuthorisationSerializer, 409: CONFLICT},
                   summary="Change some of an authorisation's fields")
    def partial_update(self, request, pk=None):
        return self._change(request, partial=True)

    @extend_schema(tags=[TAG], operation_id="authorisation_destroy",
                   responses={204: None}, summary="Remove an authorisation (soft delete)")
    def destroy(self, request, pk=None):
        writes.authorisation_delete(authorisation=self.get_object())
        return Response(status=204)

    @extend_schema(tags=[TAG], operation_id="authorisation_revoke", request=RevokeSerializer,
                   responses={200: AuthorisationSerializer, 409: CONFLICT},
                   summary="Revoke an authorisation")
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        authorisation = self.get_object()
        body = RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revoked = writes.authorisation_revoke(authorisation=authorisation,
                                                details=body.validated_data["details"])
        return Response(self.get_serializer(revoked).data)

    @extend_schema(
        tags=[TAG], operation_id="authorisation_check", responses={200: CheckSerializer},
        summary="Does the subject hold an active authorisation of the type from the object?",
        parameters=[
            OpenApiParameter("subject", TEXT_PARAM, required=True,
                             description="The subject's value."),
            OpenApiParameter("object", TEXT_PARAM, required=True,
                             description="The object's value."),
            OpenApiParameter("authType", TEXT_PARAM, required=True),
            OpenApiParameter("nsCode", TEXT_PARAM, extensions=EMPTY_IS_DEFAULT,
                             description="Only this namespace (default, or empty: all the "
                                         "client's namespaces)."),
            OpenApiParameter("subjectType", {"type": "string", "enum": SubjectType.values},
                             extensions=EMPTY_IS_DEFAULT,
                             description="Only subjects of this type (either case)."),
            OpenApiParameter("objectType", {"type": "string", "enum": ObjectType.values},
                             extensions=EMPTY_IS_DEFAULT,
                             description="Only objects of this type (either case)."),
            OpenApiParameter("at", INSTANT_SCHEMA, extensions=EMPTY_IS_DEFAULT,
                             description="The instant (default, or empty: now). " + INSTANT),
        ],
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def check(self, request):
        params = request.query_params
        missing = [name for name in ("subject", "object", "authType") if not params.get(name)]
        if missing:
            raise exceptions.ValidationError({name: ["This parameter is required."]
                                              for name in missing})
        at = None
        if params.get("at"):
            try:
                at = instant(params["at"])
            except ValueError as error:
                raise exceptions.ValidationError({"at": [str(error)]}) from None
        kinds = {}
        for name, choices in (("subjectType", SubjectType.values),
                              ("objectType", ObjectType.values)):
            kinds[name] = (params.get(name) or "").lower() or None
            if kinds[name] and kinds[name] not in choices:
                raise exceptions.ValidationError(
                    {name: [f"Expected one of {', '.join(choices)}."]})
        namespace = None
        if params.get("nsCode"):
            namespace = reach_of(self).find(code=params["nsCode"])
            if namespace is None:
                raise exceptions.NotFound(f"Namespace {params['nsCode']} was not found.")
        ids = queries.authorisation_check(
            identity=request.user, subject=params["subject"], object=params["object"],
            type_code=params["authType"], namespace=namespace, at=at,
            subject_type=kinds["subjectType"], object_type=kinds["objectType"])
        return Response({"authorised": bool(ids), "authorisations": [str(i) for i in ids]})
