"""Every page of the console an operator can reach from its index (each list, each add form,
the first record of each list) and the pages around it (the landing page,
Swagger UI, Redoc) load with no JavaScript or console error, no failed request and no request
leaving the machine: the console and the API docs work offline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

MODEL_PAGE = re.compile(r"^/admin/[a-z0-9_]+/[a-z0-9_]+/(add/)?$")


def test_landing_page_and_api_docs(browser_page):
    console = browser_page
    for path, name in (("/", "landing page"), ("/apidoc/", "Swagger UI"),
                       ("/apidoc/redoc/", "Redoc")):
        console.goto(path)
        # each docs page renders the schema it fetched (else: a blank page), and only then
        # asks for its images
        if name == "Swagger UI":
            expect(console.page.locator(".opblock").first).to_be_visible()
        if name == "Redoc":
            expect(console.page.get_by_role("heading", name=re.compile("Tessera API"))
                   ).to_be_visible()
        console.check()
        console.shot(name, full_page=path == "/")  # the docs' full pages are metres long


@pytest.fixture
def model_pages(console) -> list[str]:
    console.goto("/admin/")
    hrefs = console.page.locator("#content-main a[href], #nav-sidebar a[href]").evaluate_all(
        "links => links.map(a => new URL(a.href).pathname)")
    pages = sorted({href for href in hrefs if MODEL_PAGE.match(href)})
    assert len(pages) > 20, pages
    return pages


def test_every_list_and_add_page(console, model_pages):
    for path in model_pages:
        console.goto(path)
        console.check(settle=False)  # the step's end waits for late requests
        console.shot(f"page {path}")


def test_first_record_of_every_list(console, model_pages):
    opened = 0
    for path in (p for p in model_pages if not p.endswith("/add/")):
        console.goto(path)
        first = console.page.locator("#result_list tbody tr a[href*='/change/']").first
        if not first.count():
            continue
        href = first.get_attribute("href")
        console.goto(href)
        console.check(settle=False)
        console.shot(f"record {path}")
        opened += 1
    assert opened > 15, f"only {opened} lists had a record to open"
