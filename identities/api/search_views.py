"""The DFS identity search (spec 003, `POST /v1.0/identities/search`): a thin view over
identities.queries.search. Decisions: docs/identities.md ("Identity search")."""

from __future__ import annotations

from functools import partial

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from foundation.api.reach import reach_of
from identities.api import dfs_serializers as s
from identities.api.dfs_common import (
    TAG_IDENTITIES,
    default_tenant,
    identity_item,
    page_of,
    validated,
)
from identities.api.views import AdditivView
from identities.queries.search import (
    IdentitySearch,
    count_and_order,
    default_members,
    identities_query,
)


class IdentitySearchView(AdditivView):
    reads_only = True  # a POST that only reads: the replica may serve it
    required_permissions = {"POST": "identities.view_identity"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_search_v1_0",
                   summary="Search the identities by given search criteria",
                   description="Identities of the client's default tenant (of every tenant it "
                               "reaches with `SearchByAllTenants`); `Page` is 1-based. The "
                               "member fields of a result are of the default tenant.",
                   request=s.IdentitySearch, responses={200: s.IdentityPage})
    def post(self, request):
        data = validated(s.IdentitySearch, request)
        tenant = default_tenant(self)
        criteria = IdentitySearch(
            term=data.get("SearchTerm"), search_by=data.get("SearchIdentityBy") or "All",
            first_name=data.get("FirstName"), last_name=data.get("LastName"),
            role_ids=data.get("RoleIds"), identity_ids=data.get("IdentityIds"),
            all_tenants=data.get("SearchByAllTenants", False),
            inactive=data.get("SearchByInactive", False),
            system_accounts=data.get("SearchBySystemAccounts", False),
            sort=data.get("SortBy"), descending=data.get("SortOrder") == "Descending")
        rows = identities_query(reach_of(self), criteria=criteria, default_tenant=tenant)
        rows = rows.select_related("identity_role", "identity_provider", "bank_branch")

        def render(found):
            members = default_members(tenant, found)
            return [identity_item(identity, members.get(identity.pk)) for identity in found]

        return Response(page_of(rows, data.get("Page", 1), data.get("PageSize"), render,
                                counter=partial(count_and_order, criteria=criteria)))
