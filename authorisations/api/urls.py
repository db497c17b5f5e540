"""Routes of the onePortal Management API, mounted at /api/rest/v1/."""

from rest_framework.routers import SimpleRouter

from authorisations.api import catalog, views
from authorisations.api.grant_rights import AuthorisationGrantRightViewSet

router = SimpleRouter()
router.trailing_slash = "/?"  # the vendor's paths have none; a trailing slash is accepted too
router.register("authorisation", views.AuthorisationViewSet, basename="authorisation")
router.register("authorisation_type", catalog.AuthorisationTypeViewSet,
                basename="authorisation-type")
router.register("authorisation_source", catalog.AuthorisationSourceViewSet,
                basename="authorisation-source")
router.register("authorisation_grant_right", AuthorisationGrantRightViewSet,
                basename="authorisation-grant-right")
router.register("namespace", catalog.NamespaceViewSet, basename="namespace")

urlpatterns = router.urls
