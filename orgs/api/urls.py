"""Routes of the CustomerID surface, mounted at /eidm2/services/ (a trailing slash is optional,
as the spec's own examples use both forms)."""

from django.urls import re_path

from orgs.api import views

P = r"(?P<path>[^?#]+?)/?"

urlpatterns = [
    re_path(r"^orgs/?$", views.OrgRootView.as_view(), name="customerid-orgs-root"),
    re_path(rf"^orgs/{P}$", views.OrgCollectionView.as_view(), name="customerid-orgs"),
    re_path(rf"^org/{P}$", views.OrgEntityView.as_view(), name="customerid-org"),
    re_path(rf"^users/{P}$", views.UserCollectionView.as_view(), name="customerid-users"),
    re_path(r"^user/(?P<path>[^?#]+?)/roles/?$", views.UserRolesView.as_view(),
            name="customerid-user-roles"),
    re_path(rf"^user/{P}$", views.UserEntityView.as_view(), name="customerid-user"),
    re_path(rf"^roles/{P}$", views.RoleCollectionView.as_view(), name="customerid-roles"),
    re_path(rf"^role/{P}$", views.RoleEntityView.as_view(), name="customerid-role"),
    re_path(rf"^assignments/{P}$", views.AssignmentView.as_view(), name="customerid-assignments"),
]
