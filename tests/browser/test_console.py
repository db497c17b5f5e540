"""The operator console in a real browser, over the demo data, as a new operator walks it:
sign in, build an organization tree, add a user, give them a role, create and revoke an
authorisation, read the history. Each test is one step and builds on the ones before (one
page for the module); after each, no page may have logged a JavaScript or console error,
failed a request, or sent one off this machine (the console works offline).

The last steps read the features of issue 15 (people by name, item 3; the effective-access
panel, item 2; the history diff, item 5): they are merged, so a page without them fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_PASSWORD

TOP, SUB, ROLE, TARGET = "e2e-top", "e2e-sub", "Approver", "e2e-target"
UID = "eve.e2e"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclass
class Journey:
    """What the steps made, for the steps after them."""

    made: dict[str, str] = field(default_factory=dict)

    def needs(self, *names: str) -> list[str]:
        missing = [name for name in names if name not in self.made]
        if missing:
            pytest.skip(f"an earlier step did not make {', '.join(missing)}")
        return [self.made[name] for name in names]


@pytest.fixture(scope="module")
def journey() -> Journey:
    return Journey()


def object_id(console, model_path: str) -> str:
    """The primary key in the current page's URL (/admin/<app>/<model>/<pk>/change/)."""
    found = re.search(rf"/admin/{model_path}/([^/]+)/change/", console.path())
    assert found, f"not on a {model_path} page: {console.page.url}"
    return found.group(1)


def test_sign_in(browser_page):
    console = browser_page
    console.goto("/admin/")
    assert console.path() == "/admin/login/"
    console.shot("sign-in page")
    console.page.fill("#id_username", "admin")
    console.page.fill("#id_password", ADMIN_PASSWORD)
    console.submit("input[type=submit]")
    assert console.path() == "/admin/"
    expect(console.page.locator("#user-tools")).to_contain_text("admin")
    console.signed_in = True
    console.shot("signed in: the index")


def test_build_an_organization_tree(console, journey):
    console.goto("/admin/orgs/organization/add/")
    console.page.fill("#id_name", TOP)
    console.page.fill("#id_friendly_name", "E2E Top")
    console.choose("org_type", "company")
    console.shot("a top organization, typed")
    console.submit("input[name=_continue]")
    console.expect_success()
    journey.made["top"] = object_id(console, "orgs/organization")

    console.goto("/admin/orgs/organization/add/")
    console.pick("parent", TOP)
    console.page.fill("#id_name", SUB)
    console.page.fill("#id_friendly_name", "E2E Sub")
    console.choose("org_type", "department")
    console.shot("a sub-organization, its parent picked")
    console.submit("input[name=_continue]")
    console.expect_success()
    journey.made["sub"] = object_id(console, "orgs/organization")

    console.goto("/admin/orgs/role/add/")
    console.pick("organization", TOP)
    console.page.fill("#id_name", ROLE)
    console.submit("input[name=_save]")
    console.expect_success()

    console.goto(f"/admin/orgs/organization/?q={TOP}")
    rows = console.page.locator("#result_list tbody tr")
    expect(rows.filter(has_text=SUB)).to_have_count(1)
    console.shot("the tree, filtered")
    console.goto(f"/admin/orgs/organization/{journey.made['sub']}/change/")
    expect(console.page.locator("body")).to_contain_text(f"{TOP}/{SUB}")  # its path
    tree = console.page.get_by_role("link", name=re.compile("^tree view$", re.I))
    console.goto("/admin/orgs/organization/")
    if tree.count():  # issue 15 item 4: the tree page
        console.goto(tree.first.get_attribute("href"))
        expect(console.page.locator("#content-main")).to_contain_text(SUB)
        console.shot("the tree page")


def test_add_a_user(console, journey):
    journey.needs("sub")
    console.goto("/admin/orgs/orguser/add/")
    console.pick("organization", SUB)
    console.page.fill("#id_name", "eve")
    console.page.fill("#id_uid", UID)
    console.page.fill("#id_email", "eve@example.com")
    console.page.fill("#id_firstname", "Eve")
    console.page.fill("#id_surname", "Example")
    console.shot("a user, typed")
    console.submit("input[name=_continue]")
    console.expect_success()
    journey.made["user"] = object_id(console, "orgs/orguser")
    identity = console.page.locator(
        "a[href*='/admin/identities/identity/']").filter(has_text=re.compile("eve|Eve"))
    href = identity.first.get_attribute("href")
    journey.made["identity"] = re.search(UUID, href).group(0)
    console.shot("the user, saved")


def test_assign_a_role(console, journey):
    (user,) = journey.needs("user")
    console.goto("/admin/orgs/assignment/add/")
    console.pick("user", "eve", option=re.compile("eve", re.I))
    console.pick("role", ROLE)
    console.shot("a role assignment, picked")
    console.submit("input[name=_save]")
    console.expect_success()
    console.goto(f"/admin/orgs/orguser/{user}/change/")
    expect(console.page.locator("body")).to_contain_text(ROLE)
    console.shot("the user holds the role")


def test_create_and_revoke_an_authorisation(console, journey):
    (identity,) = journey.needs("identity")
    console.goto("/admin/authorisations/authorisation/add/")
    console.choose("namespace", "demo")
    console.pick("type", "employment")
    console.choose("subject_type", "user")
    console.page.fill("#id_subject_value", identity)
    console.choose("object_type", "target")
    console.page.fill("#id_object_value", TARGET)
    if not console.page.input_value("#id_valid_from_0"):  # until it defaults to now
        shortcuts = console.page.locator(".field-valid_from .datetimeshortcuts a")
        shortcuts.filter(has_text="Today").click()
        shortcuts.filter(has_text="Now").click()
        expect(console.page.locator("#id_valid_from_1")).not_to_have_value("")
    console.shot("an authorisation, typed")
    console.submit("input[name=_continue]")
    console.expect_success()
    authorisation = object_id(console, "authorisations/authorisation")
    journey.made["authorisation"] = authorisation
    console.shot("the authorisation, saved")

    console.goto(f"/admin/authorisations/authorisation/?q={TARGET}")
    row = console.page.locator("#result_list tbody tr").filter(has_text=TARGET)
    expect(row).to_have_count(1)
    row.locator("input.action-select").check()
    console.page.select_option("select[name=action]", "revoke_selected")
    console.shot("revoke, chosen for the row")
    console.submit("button[name=index]")
    console.expect_success()
    assert any("Revoked 1" in m for m in console.messages()), console.messages()
    console.shot("revoked")

    console.goto(f"/admin/authorisations/authorisation/{authorisation}/change/")
    expect(console.page.locator("body")).to_contain_text("revoked in the admin by admin")
    journey.made["revoked"] = authorisation
    console.shot("the revoked authorisation")


def test_history_of_a_renamed_organization(console, journey):
    (top,) = journey.needs("top")
    console.goto(f"/admin/orgs/organization/{top}/change/")
    console.page.fill("#id_friendly_name", "E2E Top Renamed")
    console.submit("input[name=_continue]")
    console.expect_success()

    console.goto(f"/admin/orgs/organization/{top}/history/")
    body = console.text()
    assert "E2E Top Renamed" in body and "E2E Top" in body, body
    console.shot("an organization's history")
    journey.made["history"] = top


def test_history_of_a_revoked_authorisation(console, journey):
    (authorisation,) = journey.needs("revoked")
    console.goto(f"/admin/authorisations/authorisation/{authorisation}/history/")
    body = console.text()
    assert TARGET in body and "revoked in the admin by admin" in body, body
    console.shot("an authorisation's history: created, revoked")


# --- the features of issue 15 (items 2, 3, 5): a page without them fails -----------------

def test_people_show_by_name(console, journey):
    """Issue 15 item 3: a person shows as `uid (First Last)`, also as an authorisation's
    subject, not as the identity's UUID alone."""
    journey.needs("revoked")
    console.goto(f"/admin/authorisations/authorisation/?q={TARGET}")
    row = console.page.locator("#result_list tbody tr").filter(has_text=TARGET).first
    text = row.inner_text()
    assert UID in text, f"the authorisation's subject is not shown by its uid: {text}"
    assert "Eve Example" in text, text
    console.shot("an authorisation's subject, by name")


def test_effective_access_panel(console, journey):
    """Issue 15 item 2: the identity's page lists its roles and the authorisations where it
    is the subject, each linked to its record."""
    identity, authorisation, user = journey.needs("identity", "revoked", "user")
    console.goto(f"/admin/identities/identity/{identity}/change/")
    assert re.search("effective access", console.text(), re.I), (
        "no effective-access panel on the identity page")
    console.shot("effective access of a user")
    body = console.text()
    assert ROLE in body, "the role given in test_assign_a_role is not listed"
    assert TARGET in body, "the authorisation of test_create_and_revoke… is not listed"
    links = console.page.locator(
        f"a[href*='/admin/authorisations/authorisation/{authorisation}/']")
    assert links.count() >= 1, "the authorisation is not linked to its record"

    console.goto(f"/admin/orgs/orguser/{user}/change/")
    body = console.text()
    assert re.search("effective access", body, re.I), "no panel on the organization user"
    assert ROLE in body and TARGET in body
    console.shot("effective access on the organization user's page")


def test_history_shows_a_diff(console, journey):
    """Issue 15 item 5: the History page shows the changed fields only, not two JSON
    dumps."""
    (top,) = journey.needs("history")
    console.goto(f"/admin/orgs/organization/{top}/history/")
    dumps = [text for text in console.page.locator("pre").all_inner_texts()
             if text.lstrip().startswith("{")]
    assert not dumps, f"the History page shows JSON dumps, not a diff: {dumps[:1]}"
    console.shot("a history diff")
    renamed = console.page.get_by_text("E2E Top Renamed").first
    # the whole entry of the rename (the outermost row or item holding the new value)
    change = renamed.locator("xpath=ancestor::*[self::tr or self::li or self::article][last()]")
    text = change.inner_text()
    assert "E2E Top" in text.replace("E2E Top Renamed", ""), f"no old value: {text}"
    assert TOP not in text, f"an unchanged field (name, path) is shown: {text}"
