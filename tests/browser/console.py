"""A Playwright page on the operator console that notices what a person would not: every
JavaScript error, console error, failed request, 4xx/5xx answer and request that leaves this
machine is written down as a problem, and each step ends by asserting there were none.

With `TESSERA_SCREENSHOTS=DIR` every step also leaves a numbered full-page screenshot there.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Locator, Page, Response, expect

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
# Chromium resolves every other host name to nothing, so a request that would leave the
# machine fails at once (and is reported twice: as leaving, and as failed)
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]


class Console:
    def __init__(self, context: BrowserContext, base_url: str, shots: Path | None):
        self.base_url = base_url.rstrip("/")
        self.shots = shots
        self.shot_count = 0
        self.problems: list[str] = []
        self.pages_seen = 0
        self.signed_in = False
        self.leaving = False
        self.page: Page = context.new_page()
        # generous: CI's machine has two cores, a developer's may be busy with more
        self.page.set_default_timeout(30_000)
        expect.set_options(timeout=15_000)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self._note("JavaScript error", str(error)))
        context.on("request", self._request)
        context.on("requestfailed", self._request_failed)
        context.on("response", self._response)

    # --- what is noticed -----------------------------------------------------------------
    def _note(self, kind: str, detail: str) -> None:
        self.problems.append(f"{kind} on {self.page.url}: {detail}")

    def _console(self, message) -> None:
        if message.type in ("error", "assert"):
            where = message.location.get("url", "")
            self._note("console error", f"{message.text} ({where})")

    def _request(self, request) -> None:
        host = urlsplit(request.url).hostname
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and \
                host not in LOCAL_HOSTS:
            self._note("request leaving the machine", request.url)

    def _request_failed(self, request) -> None:
        if request.url.startswith(("blob:", "data:")):
            return  # a page's own in-memory object (Swagger UI revokes its blobs)
        if self.leaving and request.failure == "net::ERR_ABORTED":
            return  # the page was left while it still loaded (an icon, say): not a failure
        self._note("request failed", f"{request.method} {request.url}: {request.failure}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self._note("HTTP error", f"{response.status} {response.request.method} "
                                     f"{response.url}")

    def check(self, settle: bool = True) -> None:
        """Assert that nothing went wrong since the last check; with `settle`, after the
        page's late requests (half a second without any)."""
        if settle:
            self.page.wait_for_load_state("networkidle")
        problems, self.problems = self.problems, []
        assert not problems, "\n".join(problems)

    # --- moving around -------------------------------------------------------------------
    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def goto(self, path: str) -> Response:
        self.leaving = True
        try:
            response = self.page.goto(self.url(path), wait_until="load")
        finally:
            self.leaving = False
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        self.pages_seen += 1
        return response

    def submit(self, button: str | Locator = "input[name=_save]") -> None:
        """Click a button that posts the page's form, and wait for the next page to load."""
        target = self.page.locator(button) if isinstance(button, str) else button
        self.leaving = True
        try:
            with self.page.expect_navigation(wait_until="load"):
                target.click()
        finally:
            self.leaving = False
        self.pages_seen += 1

    def sign_in(self, username: str, password: str) -> None:
        """Through the admin's sign-in form, from wherever the page is."""
        self.goto("/admin/login/?next=/admin/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.submit("input[type=submit]")
        assert self.path() == "/admin/", f"not signed in: {self.page.url}"
        self.signed_in = True

    def path(self) -> str:
        return urlsplit(self.page.url).path

    def text(self) -> str:
        return self.page.locator("body").inner_text()

    # --- the admin's widgets ---------------------------------------------------------------
    def pick(self, field: str, search: str, option: str | re.Pattern | None = None) -> str:
        """Choose in the admin's autocomplete (select2) for `field` by typing `search`, then
        the result matching `option` (default: the first); a plain <select> is chosen by
        the first option whose label contains `search`. Returns the chosen label."""
        select = self.page.locator(f"#id_{field}")
        if "admin-autocomplete" not in (select.get_attribute("class") or ""):
            return self.choose(field, option or search)
        loading = self.page.locator(".select2-results__option.loading-results")
        results = self.page.locator(".select2-container--open "
                                    ".select2-results__option:not(.loading-results)")
        self.page.locator(f"#id_{field} + .select2 .select2-selection").click()
        # the first page of choices, unfiltered: typing before it came would abort its
        # request (select2 cancels a search it no longer needs), a failed request here
        expect(results.first).to_be_visible()
        expect(loading).to_have_count(0)
        box = self.page.locator(".select2-container--open .select2-search__field")
        box.fill(search)
        wanted = results.filter(has_text=option or search)
        expect(wanted.first).to_be_visible()
        expect(loading).to_have_count(0)
        choice = wanted.first
        label = choice.inner_text()
        assert "No results" not in label, f"{field}: nothing found for {search!r}"
        choice.click()
        expect(self.page.locator(f"#id_{field} + .select2 .select2-selection__rendered")
               ).to_contain_text(label.strip())
        return label

    def choose(self, field: str, label: str | re.Pattern) -> str:
        """Choose in a plain <select> the first option whose label contains `label`."""
        options = self.page.locator(f"#id_{field} option").filter(has_text=label)
        expect(options.first).to_be_attached()
        value = options.first.get_attribute("value")
        self.page.select_option(f"#id_{field}", value=value)
        return options.first.inner_text()

    def messages(self, level: str = "success") -> list[str]:
        return self.page.locator(f"ul.messagelist li.{level}").all_inner_texts()

    def expect_success(self) -> None:
        errors = (self.messages("error")
                  + self.page.locator(".errornote, .errorlist").all_inner_texts())
        assert not errors, f"the console refused: {errors} on {self.page.url}"
        assert self.messages("success"), f"no success message on {self.page.url}"

    # --- pictures ----------------------------------------------------------------------------
    def shot(self, name: str, full_page: bool = True) -> None:
        """A screenshot of this step (of the whole page by default), when screenshots were
        asked for."""
        if self.shots is None:
            return
        self.shot_count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.page.screenshot(path=str(self.shots / f"{self.shot_count:02d}-{slug}.png"),
                             full_page=full_page)
