"""Thin viewsets of the onePortal catalog: namespaces, authorisation types and sources."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins
from rest_framework.response import Response

from authorisations import queries
from authorisations.api.base import CONFLICT, TAG, OnePortalViewSet, perms
from authorisations.api.serializers import (
    CodedItemSerializer,
    CodedItemWriteSerializer,
    NamespaceSerializer,
)
from authorisations.models import (
    AuthorisationSource,
    AuthorisationType,
    Namespace,
)
from authorisations.services import catalog
from foundation.api.permissions import RequiredPermission
from foundation.api.reach import ReachPermission


class CodedItemViewSet(OnePortalViewSet):
    """Authorisation types and sources: the same CRUD, under their own permissions."""

    serializer_class = CodedItemSerializer
    filter_attrs = queries.CODED_ITEM_ATTRS
    model: type = AuthorisationType

    def get_queryset(self):
        return self.model.objects.alive().select_related("namespace")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        body = CodedItemWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        namespace = self.namespace_for_write(data.get("nsCode"))
        item = catalog.coded_item_create(
            model=self.model, namespace=namespace, code=data["code"],
            name=data.get("name", ""), description=data.get("description", ""),
            names=data.get("names"))
        return Response(self.get_serializer(item).data, status=201)

    def _change(self, request, *, partial: bool):
        item = self.get_object()
        body = CodedItemWriteSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        ns_code = data.pop("nsCode", None)
        if ns_code is not None and ns_code != item.namespace.code:
            raise exceptions.ValidationError(
                {"nsCode": ["An item cannot move to another namespace."]})
        if not partial:  # a replace; Tessera's own `name` changes only when sent
            data = {"description": "", **({} if "names" in request.data else {"names": []}),
                    **data}
        changed = catalog.coded_item_update(item=item, changes=data)
        return Response(self.get_serializer(changed).data)

    def update(self, request, pk=None):
        return self._change(request, partial=False)

    def partial_update(self, request, pk=None):
        return self._change(request, partial=True)

    def destroy(self, request, pk=None):
        catalog.coded_item_delete(item=self.get_object())
        return Response(status=204)


def _coded_viewset(model, prefix: str, noun: str, op: str):
    """A CodedItemViewSet for one model, each method documented under its own operation id."""

    def doc(method: str, summary: str, **kwargs):
        def decorate(function):
            def view_method(self, *args, **kw):
                return function(self, *args, **kw)

            view_method.__name__ = function.__name__
            return extend_schema(tags=[TAG], operation_id=f"{op}_{method}", summary=summary,
                                 **kwargs)(view_method)

        return decorate

    body = {"request": CodedItemWriteSerializer}
    cls = type(f"{model.__name__}ViewSet", (CodedItemViewSet,), {
        "model": model,
        "required_permissions": perms(prefix),
        "list": doc("list", f"List {noun}s")(CodedItemViewSet.list),
        "retrieve": doc("retrieve", f"Read an {noun}")(CodedItemViewSet.retrieve),
        "create": doc("create", f"Create an {noun}", **body,
                      responses={201: CodedItemSerializer, 409: CONFLICT})(
            CodedItemViewSet.create),
        "update": doc("update", f"Replace an {noun}", **body,
                      responses={200: CodedItemSerializer, 409: CONFLICT})(
            CodedItemViewSet.update),
        "partial_update": doc("partial_update", f"Change an {noun}", **body,
                              responses={200: CodedItemSerializer, 409: CONFLICT})(
            CodedItemViewSet.partial_update),
        "destroy": doc("destroy", f"Remove an {noun}",
                       responses={204: None, 409: CONFLICT})(CodedItemViewSet.destroy),
    })
    return cls


AuthorisationTypeViewSet = _coded_viewset(
    AuthorisationType, "AUTHORISATION_TYPE", "authorisation type", "authorisation_type")
AuthorisationSourceViewSet = _coded_viewset(
    AuthorisationSource, "AUTHORISATION_SOURCE", "authorisation source", "authorisation_source")


class NamespaceViewSet(mixins.ListModelMixin, OnePortalViewSet):
    """The namespaces the client may use (no permission beyond authentication)."""

    serializer_class = NamespaceSerializer
    permission_classes = [RequiredPermission, ReachPermission]
    reach_field = "pk"  # the rows are the realm's own objects
    filter_attrs = queries.NAMESPACE_ATTRS

    def get_queryset(self):
        return Namespace.objects.order_by("code")

    def get_serializer_context(self):
        default = queries.default_namespace_for(self.request.user)
        return {**super().get_serializer_context(), "default_id": default and default.pk}

    @extend_schema(tags=[TAG], operation_id="namespace_list",
                   summary="List the namespaces the client may use")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
