"""The Ainua routes, included twice by config/urls.py: under /api/integrations/v1/ and under
/integrations/v1/ (the prefix older copies of the vendor docs use); trailing slash optional."""

from django.urls import re_path

from accounts.api import views

urlpatterns = [
    re_path(r"^accounts/?$", views.AccountsView.as_view()),
    re_path(r"^accounts/(?P<account_id>.+?)/users/?$", views.AccountUsersView.as_view()),
    re_path(r"^users/?$", views.UsersView.as_view()),
]
