from django.urls import path

from identities.api import dfs_views, member_views, picture_views, search_views, views

urlpatterns = [
    path("v1.0/auditcontext/generate", views.GenerateV10.as_view(), name="auditcontext-v1.0"),
    path("v1.1/auditcontext/generate", views.GenerateV11.as_view(), name="auditcontext-v1.1"),
    path(
        "v2.0/tenants/<str:tenantKey>/auditcontext/generate",
        views.GenerateV20.as_view(),
        name="auditcontext-v2.0",
    ),
    path("v2.0/roles", dfs_views.RolesView.as_view(), name="roles-v2.0"),
    path("v1.0/identities", dfs_views.IdentitiesView.as_view(), name="identities-v1.0"),
    # before v1.0/identities/<identityId>, which would take "search" for an id
    path("v1.0/identities/search", search_views.IdentitySearchView.as_view(),
         name="identities-search-v1.0"),
    path("v1.0/identities/<str:identityId>", dfs_views.IdentityView.as_view(),
         name="identity-v1.0"),
    path("v1.0/identities/<str:identityId>/profilepicture",
         picture_views.ProfilePictureView.as_view(), name="identity-picture-v1.0"),
    path("v1.0/tenants/<str:tenantId>/identities/<str:identityId>/access",
         member_views.TenantAccessView.as_view(), name="tenant-access-v1.0"),
    path("v1.0/members/search", member_views.MemberSearchView.as_view(),
         name="members-search-v1.0"),
    path("v1.0/members/active", member_views.ActiveMembersView.as_view(),
         name="members-active-v1.0"),
    path("v1.0/members/<str:memberId>", member_views.MemberView.as_view(), name="member-v1.0"),
    path("v2.0/tenants/<str:tenantKey>/members/<str:internalUserId>/sync",
         member_views.SyncMemberV2View.as_view(), name="member-sync-v2.0"),
    path("v2.0/tenants/<str:tenantKey>/identities/<str:identityId>/sync-member",
         member_views.SyncIdentityMemberView.as_view(), name="identity-sync-member-v2.0"),
]
