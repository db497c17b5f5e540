"""Pagination defaults with a hard maximum page size."""

from django.conf import settings
from rest_framework.pagination import LimitOffsetPagination


class StandardPagination(LimitOffsetPagination):
    default_limit = settings.API_DEFAULT_PAGE_SIZE
    max_limit = settings.API_MAX_PAGE_SIZE
