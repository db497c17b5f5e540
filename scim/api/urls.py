"""/scim/v2/: the SCIM 2.0 service (RFC 7644). A trailing slash is optional everywhere; any
other path under /scim/ answers a SCIM 404 (config.urls)."""

from django.urls import re_path

from scim.api import discovery, users

urlpatterns = [
    re_path(r"^ServiceProviderConfig/?$", discovery.ServiceProviderConfigView.as_view(),
            name="scim-service-provider-config"),
    re_path(r"^ResourceTypes/?$", discovery.ResourceTypesView.as_view(),
            name="scim-resource-types"),
    re_path(r"^ResourceTypes/(?P<name>[^/]+)/?$", discovery.ResourceTypeView.as_view(),
            name="scim-resource-type"),
    re_path(r"^Schemas/?$", discovery.SchemasView.as_view(), name="scim-schemas"),
    re_path(r"^Schemas/(?P<urn>[^/]+)/?$", discovery.SchemaView.as_view(), name="scim-schema"),
    re_path(r"^\.search/?$", users.RootSearchView.as_view(), name="scim-search"),
    re_path(r"^Users/?$", users.UsersView.as_view(), name="scim-users"),
    re_path(r"^Users/\.search/?$", users.UsersSearchView.as_view(), name="scim-users-search"),
    re_path(r"^Users/(?P<user_id>[^/]+)/?$", users.UserView.as_view(), name="scim-user"),
]
