"""`/` is a landing page that says where to go, not a 404 listing the URL patterns."""

import pytest

pytestmark = pytest.mark.django_db


def test_root_links_the_console_the_api_docs_and_health(client, settings):
    settings.DEBUG = True  # the debug 404 would list every URL pattern
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    for link in ('href="/admin/"', 'href="/apidoc/"', 'href="/apidoc/redoc/"',
                 'href="/apidoc/schema/"', 'href="/healthz"'):
        assert link in page
    assert "Content-Security-Policy" in response


def test_root_changes_nothing(client):
    assert client.post("/").status_code == 405
    assert client.head("/").status_code == 200
