"""A URLconf with views that fail on purpose, for the error-handling tests."""

from django.urls import path
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny

from config.urls import urlpatterns as project_urlpatterns


@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def drf_boom(request):
    raise RuntimeError("secret internal detail")


def plain_boom(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [
    path("api/boom", drf_boom),
    path("v1.0/boom", drf_boom),
    path("api/plain-boom", plain_boom),
    *project_urlpatterns,
]

handler404 = "config.views.handler404"
handler500 = "config.views.handler500"
