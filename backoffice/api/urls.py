"""Spec 003 BackOfficeManagement routes, mounted at the root beside identities.api.urls."""

from django.urls import path

from backoffice.api import views

urlpatterns = [
    path("v1.0/tenants/<str:tenantId>/menus", views.TenantMenusView.as_view(),
         name="tenant-menus-v1.0"),
    path("v1.0/tenants/<str:tenantId>/access-policies",
         views.TenantAccessPoliciesView.as_view(), name="tenant-access-policies-v1.0"),
    path("v1.0/tenants/<str:tenantId>/identities/<str:identityId>/menus",
         views.IdentityMenusView.as_view(), name="identity-menus-v1.0"),
    path("v1.0/tenants/<str:tenantId>/identities/<str:identityId>/access-policies",
         views.IdentityAccessPoliciesView.as_view(), name="identity-access-policies-v1.0"),
]
