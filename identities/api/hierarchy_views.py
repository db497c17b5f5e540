"""The hierarchy calls (specs 002/003): role hierarchy and rank, restrictions, member
hierarchy, access checks, the tenant's ranked members. Each capability has a 002 route and
a 003 route; both call one service or query (identities.services.roles,
identities.services.restrictions, identities.queries.hierarchy) and differ only in what the
specs make them differ in: the path, the verb, the status of a request they cannot process
(002: 422; 003: 400, except the role id, 422 on every route) and the answer (002
restrictions: an empty 200; 003: `true`).
Decisions: docs/identities.md "Hierarchies"."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.errors import InvalidInputError
from identities.api import hierarchy_serializers as s
from identities.api.dfs_common import (
    IDENTITY_ID,
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
from identities.api.hierarchy_common import (
    AUDIT_CONTEXT,
    BOOL,
    CATALOG_WRITE,
    EMPTY,
    INTERNAL_ID,
    NOT_FOUND_MEMBER,
    OPERATIONS,
    PERSON_ID,
    ROLE_ID,
    as_bad_request,
    audit_context,
    base_member,
    base_member_or_422,
    empty,
    identity_ids,
    member_hierarchy_answer,
    member_items,
    parse_internal_id,
    role_ids,
    role_or_404,
    role_or_422,
)
from identities.api.views import AdditivView
from identities.errors import UnprocessableError
from identities.models import IdentityRole
from identities.queries import hierarchy
from identities.services.restrictions import member_restrictions_set, role_restrictions_set
from identities.services.roles import identity_role_move

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
        identity_role_move(role=role, up=up, context=audit_context(self))
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
                              context=audit_context(self))
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
                                  context=audit_context(self))
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
        return member_hierarchy_answer(base_member(self, parse_internal_id(internalId)))


class IdentityHierarchyView(AdditivView):
    validation_status = 400
    required_permissions = {"GET": "identities.view_member"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_hierarchy_v1_0",
                   summary="Get member-role hierarchy by identity (003)",
                   description="As the 002 route (one query).", parameters=[IDENTITY_ID],
                   responses={200: s.MemberHierarchy})
    def get(self, request, identityId: str):  # noqa: N803
        return member_hierarchy_answer(
            base_member(self, parse_uuid(identityId, "identityId")))


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
        member = base_member_or_422(self, parse_internal_id(internalId))
        member_restrictions_set(member=member, restricted_identity_ids=identity_ids(request),
                                context=audit_context(self))
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
        member = base_member(self, parse_uuid(identityId, "identityId"))
        with as_bad_request():
            member_restrictions_set(member=member,
                                    restricted_identity_ids=identity_ids(request),
                                    context=audit_context(self))
        return Response(True)


def access_answer(view, identity_id, person_id: int) -> Response:
    answer = hierarchy.has_access(default_tenant(view), identity_id, person_id)
    if answer is None:
        raise NotFound(NOT_FOUND_MEMBER)
    return Response(answer)


class MemberAccessView(AdditivView):
    reads_only = True  # a POST that only reads: the replica may serve it
    required_permissions = {"POST": "identities.view_member"}

    @extend_schema(tags=[TAG_MEMBERS], operation_id="members_hierarchy_access_v2_0",
                   summary="Member has hierarchy access (002)",
                   description="Whether the person (a MemberId) is in the member's hierarchy; "
                               "an unknown person: `false`; an unknown base: 404.",
                   parameters=[INTERNAL_ID], request=s.AccessCheck, responses={200: BOOL})
    def post(self, request, internalId: str):  # noqa: N803
        identity_id = parse_internal_id(internalId)
        data = validated(s.AccessCheck, request)
        return access_answer(self, identity_id, data["PersonId"])


class IdentityAccessExistsView(AdditivView):
    validation_status = 400
    required_permissions = {"GET": "identities.view_member"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_hierarchy_exists_v1_0",
                   summary="Whether a person is in the hierarchy of an identity (003)",
                   description="As the 002 access check (one query).",
                   parameters=[IDENTITY_ID, PERSON_ID], responses={200: BOOL})
    def get(self, request, identityId: str, personId: str):  # noqa: N803
        identity_id = parse_uuid(identityId, "identityId")
        return access_answer(self, identity_id, parse_int32(personId, "personId"))


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
        members = member_items(hierarchy.tenant_members(default_tenant(self)))
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
        return Response(member_items(hierarchy.tenant_members(default_tenant(self))))
