"""The hierarchy calls (specs 002/003): role hierarchy and rank, restrictions, member
hierarchy, access checks, the tenant's ranked members. Each capability has a 002 route and
a 003 route; both call one service or query (identities.services.roles,
identities.services.restrictions, identities.queries.hierarchy) and differ only in what the
specs make them differ in: the path, the verb, the status of a request they cannot process
(002: 422; 003: 400, except the role id, 422 on every route) and the answer (002
restrictions: an empty 200; 003: `true`).
Decisions: docs/identities.md "Hierarchies"."""

from __future__ import annotations

from contextlib import contextmanager

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from core.errors import InvalidInputError
from core.patterns import matches
from foundation import reach
from foundation.api.fields import StrictIntegerField, StrictUUIDField
from foundation.api.permissions import RequiredPermission
from identities.api import hierarchy_serializers as s
from identities.api.dfs_common import (
    IDENTITY_ID,
    INT32_MAX,
    INT_TEXT,
    TAG_IDENTITIES,
    TAG_MEMBERS,
    TAG_ROLES,
    TRUE,
    default_tenant,
    parse_int32,
    parse_uuid,
    role_item,
    validated,
)
from identities.api.views import AdditivView
from identities.errors import UnprocessableError
from identities.models import TENANTS, IdentityRole, Member
from identities.queries import directory, hierarchy
from identities.services.restrictions import member_restrictions_set, role_restrictions_set
from identities.services.roles import identity_role_move

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
        return request.method in SAFE_METHODS or reach.of(request.user, TENANTS).everything


CATALOG_WRITE = [RequiredPermission, ReachesEveryTenant]


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


def audit_context(request):
    """The `AuditContextId` query parameter's context (None when not given); 422 when it is
    no context of a tenant the client reaches or no integer."""
    raw = request.query_params.get("AuditContextId")
    if raw is None or raw == "":
        return None
    if not matches(r"^[0-9]{1,19}$", raw) or not 1 <= int(raw) <= 2**63 - 1:
        raise UnprocessableError("AuditContextId", "Not a 64-bit integer.")
    return directory.audit_context_for(request.user, int(raw))


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


def base_member(request, identity_id) -> Member:
    """The identity's member of the client's default tenant (the tenant-less paths'
    tenant), else 404."""
    member = hierarchy.member_base(default_tenant(request), identity_id)
    if member is None:
        raise NotFound(NOT_FOUND_MEMBER)
    return member


def base_member_or_422(request, identity_id) -> Member:
    """002's member restriction route lists no 404: "The Member ID is invalid"."""
    try:
        return base_member(request, identity_id)
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


# --- roles ---------------------------------------------------------------------------------------

class RoleHierarchyView(AdditivView):
    required_permissions = {"GET": "identities.view_identityrole"}

    @extend_schema(tags=[TAG_ROLES], operation_id="roles_hierarchy_v2_0",
                   summary="Get role hierarchy by Role ID", parameters=[ROLE_ID],
                   description="The roles ranked below the role, minus its restricted roles, "
                               "top first.",
                   responses={200: s.RoleHierarchy})
    def get(self, request, roleId: str):  # noqa: N803 (the spec's name)
        role = role_or_404(roleId)
        return Response({"Base": role_item(role),
                         "HierarchyItems": [role_item(r) for r in hierarchy.role_hierarchy(role)]})


class _RankView(AdditivView):
    permission_classes = CATALOG_WRITE
    required_permissions = {"PUT": "identities.change_identityrole",
                            "PATCH": "identities.change_identityrole"}

    def move(self, request, role: IdentityRole, operation: str) -> Response:
        up = OPERATIONS.get(operation.lower())
        if up is None:
            self.refuse_operation(operation)
        identity_role_move(role=role, up=up, context=audit_context(request))
        return Response(True)


class RoleRankView(_RankView):
    def refuse_operation(self, operation: str):
        raise UnprocessableError("operation", f"{operation!r}: must be Up or Down.")

    @extend_schema(tags=[TAG_ROLES], operation_id="roles_rank_v2_0",
                   summary="Change the hierarchy rank of specified role (002)",
                   description="Swaps the role with its neighbour above (Up) or below (Down); "
                               "at the top or the bottom nothing changes. `Unknown` or "
                               "another value: 422. The catalog is every tenant's: a client "
                               "without reach over every tenant gets 403. Answers `true`.",
                   parameters=[ROLE_ID, OpenApiParameter(
                       "operation", OpenApiTypes.STR, OpenApiParameter.PATH,
                       enum=["Unknown", "Up", "Down"],
                       description="Up or Down (any case); Unknown answers 422."),
                       AUDIT_CONTEXT],
                   request=None, responses={200: TRUE})
    def put(self, request, roleId: str, operation: str):  # noqa: N803
        return self.move(request, role_or_404(roleId), operation)


class RoleLevelView(_RankView):
    validation_status = 400

    def refuse_operation(self, operation: str):
        raise InvalidInputError(f"operation: {operation!r}: must be Up or Down.")

    @extend_schema(tags=[TAG_ROLES], operation_id="roles_hierarchy_level_v2_0",
                   summary="Change the hierarchy level of specified role (003)",
                   description="As the 002 rank route (one service); another operation: 400.",
                   parameters=[ROLE_ID, OpenApiParameter(
                       "operation", OpenApiTypes.STR, OpenApiParameter.PATH,
                       enum=["Up", "Down"], description="Up or Down (any case)."),
                       AUDIT_CONTEXT],
                   request=None, responses={200: TRUE})
    def patch(self, request, roleId: str, operation: str):  # noqa: N803
        role = role_or_404(roleId)
        with as_bad_request():
            return self.move(request, role, operation)


class RoleRestrictionsView(AdditivView):
    permission_classes = CATALOG_WRITE
    required_permissions = {"POST": "identities.change_identityrole"}

    @extend_schema(tags=[TAG_ROLES], operation_id="roles_restrictions_v2_0",
                   summary="Set the role hierarchy restrictions (002)",
                   description="Replaces the role's restricted roles; `[]` clears; an "
                               "unknown role (path or body) or a missing body: 422 (002 "
                               "lists no 404 here). Answers an empty 200.",
                   parameters=[ROLE_ID, AUDIT_CONTEXT],
                   request={"application/json": s.ROLE_IDS_BODY}, responses=EMPTY)
    def post(self, request, roleId: str):  # noqa: N803
        role = role_or_422(roleId)
        role_restrictions_set(role=role, restricted_role_ids=role_ids(request),
                              context=audit_context(request))
        return empty()


class RoleExcludeView(AdditivView):
    permission_classes = CATALOG_WRITE
    validation_status = 400
    required_permissions = {"PUT": "identities.change_identityrole"}

    @extend_schema(tags=[TAG_ROLES], operation_id="roles_exclude_v2_0",
                   summary="Set the role hierarchy restrictions (003)",
                   description="As the 002 restrictions route (one service); an unknown id "
                               "or a missing body: 400. Answers `true`.",
                   parameters=[ROLE_ID, AUDIT_CONTEXT],
                   request={"application/json": s.ROLE_IDS_BODY}, responses={200: TRUE})
    def put(self, request, roleId: str):  # noqa: N803
        role = role_or_404(roleId)
        with as_bad_request():
            role_restrictions_set(role=role, restricted_role_ids=role_ids(request),
                                  context=audit_context(request))
        return Response(True)


# --- members -------------------------------------------------------------------------------------

class MemberHierarchyV2View(AdditivView):
    required_permissions = {"GET": "identities.view_member"}

    @extend_schema(tags=[TAG_MEMBERS], operation_id="members_hierarchy_v2_0",
                   summary="Get member-role hierarchy by Member ID (002)",
                   description="In the client's default tenant; an identity that is no "
                               "member of it: 404.",
                   parameters=[INTERNAL_ID], responses={200: s.MemberHierarchy})
    def get(self, request, internalId: str):  # noqa: N803
        return member_hierarchy_answer(base_member(request, parse_internal_id(internalId)))


class IdentityHierarchyView(AdditivView):
    validation_status = 400
    required_permissions = {"GET": "identities.view_member"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_hierarchy_v1_0",
                   summary="Get member-role hierarchy by identity (003)",
                   description="As the 002 route (one query).", parameters=[IDENTITY_ID],
                   responses={200: s.MemberHierarchy})
    def get(self, request, identityId: str):  # noqa: N803
        return member_hierarchy_answer(
            base_member(request, parse_uuid(identityId, "identityId")))


class MemberRestrictionsView(AdditivView):
    required_permissions = {"POST": "identities.change_member"}

    @extend_schema(tags=[TAG_MEMBERS], operation_id="members_restrictions_v2_0",
                   summary="Set the member-role hierarchy restrictions (002)",
                   description="Replaces the member's restricted members (sub-users named by "
                               "identity id, members of the same tenant); `[]` clears; an id "
                               "(path or body) that is no member of the tenant or a missing "
                               "body: 422 (002 lists no 404 here). Answers an empty 200.",
                   parameters=[INTERNAL_ID, AUDIT_CONTEXT],
                   request={"application/json": s.IDENTITY_IDS_BODY}, responses=EMPTY)
    def post(self, request, internalId: str):  # noqa: N803
        member = base_member_or_422(request, parse_internal_id(internalId))
        member_restrictions_set(member=member, restricted_identity_ids=identity_ids(request),
                                context=audit_context(request))
        return empty()


class IdentityExcludeView(AdditivView):
    validation_status = 400
    required_permissions = {"PUT": "identities.change_member"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_hierarchy_exclude_v1_0",
                   summary="Exclude the identities from identity hierarchy (003)",
                   description="As the 002 restrictions route (one service); an unknown id "
                               "or a missing body: 400. Answers `true`.",
                   parameters=[IDENTITY_ID, AUDIT_CONTEXT],
                   request={"application/json": s.IDENTITY_IDS_BODY}, responses={200: TRUE})
    def put(self, request, identityId: str):  # noqa: N803
        member = base_member(request, parse_uuid(identityId, "identityId"))
        with as_bad_request():
            member_restrictions_set(member=member,
                                    restricted_identity_ids=identity_ids(request),
                                    context=audit_context(request))
        return Response(True)


def access_answer(request, identity_id, person_id: int) -> Response:
    answer = hierarchy.has_access(default_tenant(request), identity_id, person_id)
    if answer is None:
        raise NotFound(NOT_FOUND_MEMBER)
    return Response(answer)


class MemberAccessView(AdditivView):
    required_permissions = {"POST": "identities.view_member"}

    @extend_schema(tags=[TAG_MEMBERS], operation_id="members_hierarchy_access_v2_0",
                   summary="Member has hierarchy access (002)",
                   description="Whether the person (a MemberId) is in the member's hierarchy; "
                               "an unknown person: `false`; an unknown base: 404.",
                   parameters=[INTERNAL_ID], request=s.AccessCheck, responses={200: BOOL})
    def post(self, request, internalId: str):  # noqa: N803
        identity_id = parse_internal_id(internalId)
        data = validated(s.AccessCheck, request)
        return access_answer(request, identity_id, data["PersonId"])


class IdentityAccessExistsView(AdditivView):
    validation_status = 400
    required_permissions = {"GET": "identities.view_member"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_hierarchy_exists_v1_0",
                   summary="Whether a person is in the hierarchy of an identity (003)",
                   description="As the 002 access check (one query).",
                   parameters=[IDENTITY_ID, PERSON_ID], responses={200: BOOL})
    def get(self, request, identityId: str, personId: str):  # noqa: N803
        identity_id = parse_uuid(identityId, "identityId")
        return access_answer(request, identity_id, parse_int32(personId, "personId"))


class TenantMembersView(AdditivView):
    required_permissions = {"GET": "identities.view_member"}

    @extend_schema(tags=[TAG_MEMBERS], operation_id="members_list_v2_0",
                   summary="Get all the tenant policy members (002)",
                   description="Every member of the client's default tenant with its role "
                               "and HierarchyLevel, ranked first (top first), then those "
                               "without a role; none: 404, as 002 documents (the 003 route "
                               "answers `[]`).",
                   responses={200: s.HierarchyMemberItem(many=True)})
    def get(self, request):
        members = member_items(hierarchy.tenant_members(default_tenant(request)))
        if not members:
            raise NotFound("Couldn't find the list of tenant member policy items.")
        return Response(members)


class IdentityRolesLevelView(AdditivView):
    required_permissions = {"GET": "identities.view_member"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_roles_hierarchy_level_v1_0",
                   summary="Get all the identities and their roles (003)",
                   description="As `GET /v2.0/members` (one query).",
                   responses={200: s.HierarchyMemberItem(many=True)})
    def get(self, request):
        return Response(member_items(hierarchy.tenant_members(default_tenant(request))))
