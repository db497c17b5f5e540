"""The Content-Security-Policy of the admin, the API docs and the APIs (config.content_security),
and pages that keep to it: no inline script or style without the request's nonce, no inline
style attribute. (Both docs pages and the admin were also loaded in a headless Chromium, with
no violation but Redoc's remote logo: docs/foundation.md.)"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from identities.services.people import person_create
from orgs import services as org_services

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


class Inline(HTMLParser):
    """The page's <script>/<style> elements and style attributes."""

    def __init__(self):
        super().__init__()
        self.scripts, self.styles, self.style_attributes, self.links = [], [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.style_attributes.append((tag, attrs["style"]))
        if tag == "script":
            self.scripts.append(attrs)
        elif tag == "style":
            self.styles.append(attrs)
        elif tag == "link":
            self.links.append(attrs)


def inline(response) -> Inline:
    page = Inline()
    page.feed(response.content.decode())
    return page


def nonce_of(response) -> str:
    (nonce,) = [v for v in directives(response)["script-src"] if v.startswith("'nonce-")]
    return nonce[len("'nonce-"):-1]


def assert_keeps_to_the_policy(response) -> None:
    policy = directives(response)
    page = inline(response)
    nonces = {v[len("'nonce-"):-1] for v in policy.get("script-src", []) if v.startswith("'n")}
    for script in page.scripts:
        assert script.get("src", "").startswith("/") or script.get("nonce") in nonces, script
    for style in page.styles:
        assert style.get("nonce") in nonces, style
    for link in page.links:
        assert not link.get("href", "/").startswith(("http:", "https:", "//")), link
    assert not page.style_attributes, page.style_attributes


def test_the_base_policy_is_strict():
    from django.test import Client

    response = Client().get("/admin/login/")
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no nonce asked for, none given
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert_keeps_to_the_policy(response)


def test_api_answers_carry_the_policy_too(client):
    assert directives(client.get("/healthz"))["default-src"] == ["'self'"]
    assert "frame-ancestors" in directives(client.get("/eidm2/services/orgs/"))


def test_swagger_ui_marks_its_inline_code_with_the_nonce(client):
    response = client.get("/apidoc/")
    assert response.status_code == 200
    nonce = nonce_of(response)
    assert f"'nonce-{nonce}'" in directives(response)["style-src"]
    page = inline(response)
    assert [s.get("nonce") for s in page.scripts if "src" not in s] == [nonce]
    assert [s.get("nonce") for s in page.styles] == [nonce]
    assert b"SwaggerUIBundle(" in response.content  # the init script is there
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in (
        response.content)
    assert_keeps_to_the_policy(response)
    assert client.get("/apidoc/")["Content-Security-Policy"] != response[
        "Content-Security-Policy"]  # a fresh nonce a request


def test_redoc_gets_its_styles_and_worker_and_no_remote_fonts(client):
    response = client.get("/apidoc/redoc/")
    assert response.status_code == 200
    policy = directives(response)
    assert policy["worker-src"] == ["'self'", "blob:"]
    assert policy["style-src-elem"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert b"fonts.googleapis.com" not in response.content
    assert b'<redoc spec-url="/apidoc/schema/">' in response.content
    assert_keeps_to_the_policy(response)


@pytest.fixture
def operator(client):
    admin = person_create(username="root", password="pw-Operat0r!", superuser=True)
    client.force_login(admin)
    return client


def test_admin_pages_keep_to_the_policy(operator):
    acme = org_services.organization_create(parent=None, organization_id="acme",
                                            friendly_name="Acme")
    sales = org_services.organization_create(parent=acme, organization_id="sales",
                                             friendly_name="Sales")
    pages = [
        reverse("admin:index"),
        reverse("admin:orgs_organization_changelist"),
        reverse("admin:orgs_organization_change", args=[sales.pk]),
        reverse("admin:orgs_organization_history", args=[sales.pk]),
        reverse("admin:orgs_organization_add"),
        reverse("admin:audit_changerecord_changelist"),
    ]
    for url in pages:
        response = operator.get(url)
        assert response.status_code == 200, url
        assert_keeps_to_the_policy(response)
    listing = operator.get(reverse("admin:orgs_organization_changelist")).content.decode()
    assert "\u2003\u2002sales" in listing  # the tree is still indented, without a style
