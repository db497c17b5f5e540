from django.urls import path

from identities.api import views

urlpatterns = [
    path("v1.0/auditcontext/generate", views.GenerateV10.as_view(), name="auditcontext-v1.0"),
    path("v1.1/auditcontext/generate", views.GenerateV11.as_view(), name="auditcontext-v1.1"),
    path(
        "v2.0/tenants/<str:tenantKey>/auditcontext/generate",
        views.GenerateV20.as_view(),
        name="auditcontext-v2.0",
    ),
]
