"""Routes of the CustomerID surface, mounted at /eidm2/services/ (a trailing slash is optional,
as the spec's own examples use both forms)."""

from django.urls import re_path

from orgs.api import org_views, role_views, user_views

P = r"(?P<path>[^?#]+?)/?"

urlpatterns = [
    re_path(r"^orgs/?$", org_views.OrgRootView.as_view(), name="customerid-orgs-root"),
    re_path(rf"^orgs/{P}$", org_views.OrgCollectionView.as_view(), name="customerid-orgs"),
    re_path(rf"^org/{P}$", org_views.OrgEntityView.as_view(), name="customerid-org"),
    re_path(rf"^users/{P}$", user_views.UserCollectionView.as_view(), name="customerid-users"),
    re_path(r"^user/(?P<path>[^?#]+?)/roles/?$", user_views.UserRolesView.as_view(),
            name="customerid-user-roles"),
    re_path(rf"^user/{P}$", user_views.UserEntityView.as_view(), name="customerid-user"),
    re_path(rf"^roles/{P}$", role_views.RoleCollectionView.as_view(), name="customerid-roles"),
    re_path(rf"^role/{P}$", role_views.RoleEntityView.as_view(), name="customerid-role"),
    re_path(rf"^assignments/{P}$", role_views.AssignmentView.as_view(),
            name="customerid-assignments"),
]
