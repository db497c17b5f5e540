"""Root URLs: the admin, OAuth2, the API docs, health, and each app's API routes."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config import apidoc, views
from config.content_security import redoc_page
from foundation.admin import login as admin_login
from foundation.admin.pickers import PickerView
from foundation.api import token

admin.site.site_header = "Tessera"
admin.site.site_title = "Tessera"
admin.site.index_title = "Registry administration"
admin.site.login_form = admin_login.ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", views.landing, name="landing"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/login/", admin_login.login),  # before the admin's own: throttled
    # before the admin's own: the pickers label items as the console does
    path("admin/autocomplete/", admin.site.admin_view(PickerView.as_view(admin_site=admin.site))),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("oauth/token/", token.TokenView.as_view(), name="oauth-token"),
    path("oauth/revoke_token/", token.RevokeTokenView.as_view(), name="oauth-revoke"),
    path("connect/token", token.TokenView.as_view(), name="connect-token"),
    path("apidoc/schema/", SpectacularAPIView.as_view(), name="schema"),
    # our copies of the docs pages mark their inline code with the CSP nonce
    # (config/content_security)
    path("apidoc/", SpectacularSwaggerView.as_view(
        url_name="schema", template_name="apidoc/swagger_ui.html"), name="swagger-ui"),
    path("apidoc/redoc/", redoc_page(SpectacularRedocView.as_view(
        url_name="schema", template_name="apidoc/redoc.html")), name="redoc"),
    path("apidoc/redoc.standalone.js", apidoc.redoc_bundle, name="redoc-bundle"),
    path("", include("identities.api.urls")),
    path("", include("backoffice.api.urls")),
    path("eidm2/services/", include("orgs.api.urls")),
    path("api/rest/v1/", include("authorisations.api.urls")),
    path("api/events/v1/", include("events.api.urls")),
    path("scim/v2/", include("scim.api.urls")),
    # Ainua (spec 000): one URL conf at both prefixes of the vendor's docs
    path("api/integrations/v1/", include("accounts.api.urls")),
    path("integrations/v1/", include("accounts.api.urls")),
    # Anything else under an API prefix answers a JSON 404 in that surface's style.
    re_path(
        r"^(?P<rest>(v1\.0|v1\.1|v2\.0|api|integrations|eidm2|scim|oauth|connect)/.*)$",
        views.api_not_found,
    ),
]

handler404 = "config.views.handler404"
handler500 = "config.views.handler500"
