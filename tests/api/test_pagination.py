from django.conf import settings
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from foundation.api.pagination import StandardPagination

ROWS = list(range(5000))


def page(query: str) -> list[int]:
    request = Request(APIRequestFactory().get(f"/api/x{query}"))
    return StandardPagination().paginate_queryset(ROWS, request)


def test_default_page_size():
    assert len(page("")) == settings.API_DEFAULT_PAGE_SIZE


def test_page_size_is_capped_at_the_hard_maximum():
    assert len(page("?limit=4000")) == settings.API_MAX_PAGE_SIZE


def test_offset_moves_the_window():
    assert page("?limit=3&offset=10") == [10, 11, 12]
