"""Issue 15, item 8: the API docs load nothing from another origin (offline installs): every
script, style and image of both pages is this server's, and Redoc's bundle is served without
the remote logo it would fetch (config/apidoc.py)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from config.apidoc import REMOTE_LOGO

pytestmark = pytest.mark.django_db


class Resources(HTMLParser):
    """The URLs a page loads: script src, stylesheet and icon href, img src."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])


def loaded(content: bytes) -> list[str]:
    parser = Resources()
    parser.feed(content.decode())
    return parser.urls


@pytest.mark.parametrize("page", ["/apidoc/", "/apidoc/redoc/"])
def test_the_docs_pages_load_only_this_servers_files(client, page):
    response = client.get(page)
    assert response.status_code == 200
    urls = loaded(response.content)
    assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    for url in urls:  # each there: a static file found, or a page that answers
        if url.startswith(settings.STATIC_URL):
            assert finders.find(url.removeprefix(settings.STATIC_URL).split("?")[0]), url
        else:
            assert client.get(url).status_code == 200, url
    assert b"fonts.googleapis" not in response.content


def test_redocs_bundle_fetches_nothing_from_outside(client):
    page = client.get("/apidoc/redoc/")
    (bundle_url,) = [url for url in loaded(page.content) if "redoc" in url]
    response = client.get(bundle_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert len(body) > 500_000  # the whole bundle
    assert REMOTE_LOGO not in body and b"cdn.redoc.ly" not in body
    # no image, script or style element points at another origin
    assert not re.search(rb'(src|href):"https?://(?!redocly\.com/)', body)


def test_swagger_ui_asks_no_online_validator(client):
    response = client.get("/apidoc/")
    assert b'"validatorUrl": null' in response.content or b'"validatorUrl":null' in (
        response.content)
