"""The browser suite's fixtures: a real `runserver` over a fresh database holding the demo data
(`manage.py load_demo`) and an `admin` whose password the suite knows, Debian's Chromium
driven by Playwright, and one page that walks the console step by step.

The database is the suite's own, never the test database other tests use: SQLite a file in a
temporary folder, PostgreSQL `<DATABASE_URL's name>_e2e`, created afresh and dropped after.
Without a browser the suite skips, with the reason; under CI=true it fails instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import servers
from tests.browser import chromium

ADMIN_PASSWORD = "e2e-console-password"  # of a throw-away database
BOOTSTRAP = ("from django.core.management import call_command as run; "
             "run('migrate', verbosity=0); run('load_demo', verbosity=0); run('ensure_admin')")


@pytest.fixture(scope="package")
def chromium_binary() -> str:
    reason = chromium.missing()
    if reason is not None:
        if chromium.required():
            pytest.fail(f"CI=true and the browser suite cannot run: {reason}", pytrace=False)
        pytest.skip(f"browser suite skipped: {reason}")
    return chromium.chromium_path()


def _postgres(url: str) -> tuple[str, str] | None:
    """(the admin URL of the server, the suite's database URL) when DATABASE_URL names a
    PostgreSQL database, else None."""
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return None
    base, _, name = url.partition("?")[0].rpartition("/")
    return f"{base}/postgres", f"{base}/{name}_e2e"


def _recreate(admin_url: str, database_url: str, *, create: bool) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


@pytest.fixture(scope="package")
def demo_database(chromium_binary, tmp_path_factory) -> Iterator[str]:
    """A migrated database with the demo data and the `admin` user, for the server only."""
    tmp = tmp_path_factory.mktemp("browser-db")
    postgres = _postgres(os.environ.get("DATABASE_URL", ""))
    if postgres:
        _recreate(*postgres, create=True)
        url = postgres[1]
    else:
        url = f"sqlite:///{tmp / 'console.sqlite3'}"
    env = {**servers.server_env(url), "TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD}
    subprocess.run([sys.executable, "manage.py", "shell", "-c", BOOTSTRAP], cwd=servers.ROOT,
                   env=env, check=True, capture_output=True, text=True, timeout=300)
    yield url
    if postgres:
        _recreate(*postgres, create=False)


@pytest.fixture(scope="package")
def console_server(demo_database, tmp_path_factory) -> Iterator[servers.Server]:
    with servers.runserver(tmp_path_factory.mktemp("browser-server"), demo_database) as server:
        yield server


@pytest.fixture(scope="package")
def screenshots() -> Path | None:
    """TESSERA_SCREENSHOTS=DIR (`make screenshots`): where each step's picture goes."""
    folder = os.environ.get("TESSERA_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder).resolve()
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope="package")
def browser(chromium_binary):
    from playwright.sync_api import sync_playwright

    from tests.browser.console import OFFLINE_ARGS

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_binary, headless=True,
                                              args=OFFLINE_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def browser_page(browser, console_server, screenshots):
    """One page for the whole suite: the steps build on each other, as an operator's do."""
    from tests.browser.console import Console

    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    yield Console(context, console_server.url, screenshots)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report


@pytest.fixture(autouse=True)
def nothing_went_wrong(request):
    """After each step: no JavaScript error, console error, failed or foreign request (and,
    with screenshots on, a picture of the page a failed step stopped on)."""
    yield
    if "browser_page" in request.fixturenames:
        page = request.getfixturevalue("browser_page")
        if getattr(request.node, "browser_call_failed", False):
            page.shot(f"FAILED {request.node.name}", full_page=False)
        page.check()


@pytest.fixture
def console(browser_page):
    """The page, signed in as `admin` (test_sign_in does it through the form, with
    pictures; a test run alone signs in here)."""
    if not browser_page.signed_in:
        browser_page.sign_in("admin", ADMIN_PASSWORD)
    return browser_page
