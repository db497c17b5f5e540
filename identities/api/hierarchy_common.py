"""What the hierarchy routes (`hierarchy_views`) share: path parameters, who may change the
catalog, parsing of ids and bodies, and rendering of members."""

from __future__ import annotations

from contextlib import contextmanager

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from core.errors import InvalidInputError
from core.patterns import matches
from foundation.api.fields import StrictIntegerField, StrictUUIDField
from foundation.api.permissions import RequiredPermission
from foundation.api.reach import ReachPermission, reach_of
from identities.api import hierarchy_serializers as s
from identities.api.dfs_common import (
    INT32_MAX,
    INT_TEXT,
    default_tenant,
    parse_uuid,
    role_item,
)
from identities.errors import UnprocessableError
from identities.models import IdentityRole, Member
from identities.queries import directory, hierarchy

ROLE_ID = OpenApiParameter("roleId", OpenApiTypes.INT32, OpenApiParameter.PATH,
                           description="The role ID (not an integer: 422).")
INTERNAL_ID = OpenApiParameter("internalId", OpenApiTypes.UUID, OpenApiParameter.PATH,
                               description="The Internal ID (IdentityId) of the base member "
                                           "(not a UUID: 422).")
PERSON_ID = OpenApiParameter("personId", OpenApiTypes.INT32, OpenApiParameter.PATH,
                             description="The accessed Person ID (a MemberId).")
AUDIT_CONTEXT = OpenApiParameter(
    "AuditContextId", {"type": "integer", "format": "int64", "minimum": 1},
    OpenApiParameter.QUERY, required=False,
    description="An audit context of a tenant the client reaches: the change records of "
                "the write belong to it (else an implicit context).")
OPERATIONS = {"up": True, "down": False}
EMPTY = {(200, "text/plain"): OpenApiResponse(
    response={"type": "string", "maxLength": 0}, description="Done: an empty body (002).")}
BOOL = OpenApiResponse(response=OpenApiTypes.BOOL, description="`true` or `false`.")
NOT_FOUND_MEMBER = "No member of the tenant has this identity id."


# --- who may change the catalog ------------------------------------------------------------------

class ReachesEveryTenant(BasePermission):
    """The identity-role catalog (its ranks and role restrictions) is one for every tenant: a
    change reorders every tenant's member hierarchies and access checks, so it needs reach over
    every tenant (the global `identities.access_tenant`), not only the change permission. A
    tenant-confined client may read the catalog; changing it answers 403 (issue 22, 9)."""

    message = ("The identity-role catalog is shared by every tenant: changing its ranks or "
               "role restrictions needs reach over every tenant (the permission "
               "identities.access_tenant; a client made with --tenant reaches only its own).")

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or reach_of(view).everything


CATALOG_WRITE = [RequiredPermission, ReachPermission, ReachesEveryTenant]


# --- parsing -------------------------------------------------------------------------------------

def role_or_404(role_id: str) -> IdentityRole:
    """The role a path names; a non-integer id answers 422 on every role route (002
    documents it; the path is shared with 003)."""
    if not matches(INT_TEXT, role_id) or not -(2**31) <= int(role_id) <= INT32_MAX:
        raise UnprocessableError("roleId", "Not a 32-bit integer.")
    role = IdentityRole.objects.filter(pk=int(role_id)).first()
    if role is None:
        raise NotFound("No identity role with this id was found.")
    return role


def role_or_422(role_id: str) -> IdentityRole:
    """002's restriction route lists no 404: an unknown role is "The Role ID is invalid"."""
    try:
        return role_or_404(role_id)
    except NotFound:
        raise UnprocessableError("roleId", "The Role ID is invalid: no identity role has "
                                           "this id.") from None


def parse_internal_id(value: str):
    """002's `internalId`: not a UUID answers 422 (002 documents it)."""
    try:
        return parse_uuid(value, "internalId")
    except Exception:
        raise UnprocessableError("internalId", "Not a UUID.") from None


def audit_context(view):
    """The `AuditContextId` query parameter's context (None when not given); 422 when it is
    no context of a tenant the client reaches or no integer."""
    raw = view.request.query_params.get("AuditContextId")
    if raw is None or raw == "":
        return None
    if not matches(r"^[0-9]{1,19}$", raw) or not 1 <= int(raw) <= 2**63 - 1:
        raise UnprocessableError("AuditContextId", "Not a 64-bit integer.")
    return directory.audit_context_for(reach_of(view), int(raw))


@contextmanager
def as_bad_request():
    """003 documents 400 (no 422) for its write routes: a refusal answers 400 there."""
    try:
        yield
    except UnprocessableError as error:
        raise InvalidInputError(error.message) from None


def id_list(data, child) -> list:
    """A bare JSON array body of ids (a missing or null body is refused)."""
    if not isinstance(data, list):
        raise ValidationError("The body must be a JSON array of ids.")
    if len(data) > s.MAX_RESTRICTIONS:
        raise ValidationError(f"At most {s.MAX_RESTRICTIONS} ids.")
    errors, ids = {}, []
    for index, value in enumerate(data):
        try:
            ids.append(child.run_validation(value))
        except ValidationError as error:
            errors[f"[{index}]"] = error.detail
    if errors:
        raise ValidationError(errors)
    return ids


def role_ids(request) -> list[int]:
    return id_list(request.data, StrictIntegerField(min_value=-(2**31), max_value=INT32_MAX))


def identity_ids(request) -> list:
    return id_list(request.data, StrictUUIDField())


def base_member(view, identity_id) -> Member:
    """The identity's member of the client's default tenant (the tenant-less paths'
    tenant), else 404."""
    member = hierarchy.member_base(default_tenant(view), identity_id)
    if member is None:
        raise NotFound(NOT_FOUND_MEMBER)
    return member


def base_member_or_422(view, identity_id) -> Member:
    """002's member restriction route lists no 404: "The Member ID is invalid"."""
    try:
        return base_member(view, identity_id)
    except NotFound:
        raise UnprocessableError("internalId", f"The Member ID is invalid: "
                                               f"{NOT_FOUND_MEMBER}") from None


# --- rendering -----------------------------------------------------------------------------------

def empty() -> HttpResponse:
    """002's answer to a restriction set: 200 and no body."""
    return HttpResponse(b"", status=200, content_type="text/plain")


def member_items(rows) -> list[dict]:
    """Rows of hierarchy.MEMBER_COLUMNS as HierarchyMemberItems (each role rendered once)."""
    roles: dict = {}
    out = []
    for row in rows:
        role_id = row["identity_role_id"]
        if role_id not in roles:
            roles[role_id] = None if role_id is None else {
                "Id": role_id, "Key": row["identity_role__key"],
                "Name": row["identity_role__name"],
                "HierarchyLevel": row["identity_role__hierarchy_level"]}
        out.append({"MemberId": row["id"], "IdentityId": row["identity_id"],
                    "UserName": row["identity__username"],
                    "FirstName": row["identity__first_name"] or None,
                    "LastName": row["identity__last_name"] or None,
                    "IsEnabled": row["is_enabled"], "IdentityRole": roles[role_id]})
    return out


def base_item(member: Member) -> dict:
    identity, role = member.identity, member.identity_role
    return {"MemberId": member.pk, "IdentityId": identity.pk, "UserName": identity.username,
            "FirstName": identity.first_name or None, "LastName": identity.last_name or None,
            "IsEnabled": member.is_enabled, "IdentityRole": role_item(role)}


def member_hierarchy_answer(member: Member) -> Response:
    superiors, items = hierarchy.member_hierarchy(member)
    return Response({"Superiors": member_items(superiors), "Base": base_item(member),
                     "HierarchyItems": member_items(items)})
