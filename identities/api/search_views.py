"""The DFS identity search (spec 003, `POST /v1.0/identities/search`): a thin view over
identities.search. Decisions: docs/identities.md ("Identity search")."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from identities.api import dfs_serializers as s
from identities.api.dfs_common import TAG_IDENTITIES, default_tenant, identity_item, validated
from identities.api.views import AdditivView
from identities.search import IdentitySearch, default_members, identities_query


def page_size(requested: int | None) -> int:
    """A page size asked for, else the default; capped at API_MAX_PAGE_SIZE."""
    return min(requested or settings.API_DEFAULT_PAGE_SIZE, settings.API_MAX_PAGE_SIZE)


class IdentitySearchView(AdditivView):
    required_permissions = {"POST": "identities.view_identity"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_search_v1_0",
                   summary="Search the identities by given search criteria",
                   description="Identities of the client's default tenant (of every tenant it "
                               "reaches with `SearchByAllTenants`); `Page` is 1-based. The "
                               "member fields of a result are of the default tenant.",
                   request=s.IdentitySearch, responses={200: s.IdentityPage})
    def post(self, request):
        data = validated(s.IdentitySearch, request)
        tenant = default_tenant(request)
        criteria = IdentitySearch(
            term=data.get("SearchTerm"), search_by=data.get("SearchIdentityBy") or "All",
            first_name=data.get("FirstName"), last_name=data.get("LastName"),
            role_ids=data.get("RoleIds"), identity_ids=data.get("IdentityIds"),
            all_tenants=data.get("SearchByAllTenants", False),
            inactive=data.get("SearchByInactive", False),
            system_accounts=data.get("SearchBySystemAccounts", False),
            sort=data.get("SortBy"), descending=data.get("SortOrder") == "Descending")
        rows = identities_query(request.user, criteria=criteria, default_tenant=tenant)
        rows = rows.select_related("identity_role", "identity_provider", "bank_branch")
        page, size = data.get("Page", 1), page_size(data.get("PageSize"))
        total = rows.count()
        start = (page - 1) * size
        found = list(rows[start:start + size]) if start < total else []
        members = default_members(tenant, found)
        results = [identity_item(identity, members.get(identity.pk)) for identity in found]
        return Response({"Results": results, "Page": page, "PageSize": size,
                         "PageCount": -(-total // size), "TotalCount": total})
