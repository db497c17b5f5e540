"""Routes of the change events, mounted at /api/events/v1/."""

from django.urls import path

from events.api.views import ChangesView

urlpatterns = [path("changes", ChangesView.as_view(), name="events-changes")]
