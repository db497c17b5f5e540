"""Where the browser suite finds its browser: Debian's `chromium` (or `CHROMIUM=/path`),
driven by Playwright's Python package. Playwright's own browser download needs the internet,
which CI does not have, so the suite never uses it.

`python -m tests.browser.chromium` prints what the suite will do (scripts/test.sh says it).
"""

from __future__ import annotations

import os
import shutil
import sys

INSTALL = "apt-get install -y chromium; pip install -r requirements-dev.txt"


def chromium_path() -> str | None:
    """The Chromium binary: $CHROMIUM when set, else `chromium` on the PATH."""
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing() -> str | None:
    """Why the browser suite cannot run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"the Python package playwright is not installed ({INSTALL})"
    if chromium_path() is None:
        return f"no Chromium found (set CHROMIUM=/path or: {INSTALL})"
    return None


def required() -> bool:
    """Under CI, and when screenshots are asked for, a missing browser fails the suite
    instead of skipping it."""
    return os.environ.get("CI") == "true" or bool(os.environ.get("TESSERA_SCREENSHOTS"))


def main() -> int:
    reason = missing()
    if reason is None:
        print(f"== browser suite: runs in {chromium_path()}")
    elif required():
        print(f"== browser suite: FAILS (a browser is required here): {reason}")
    else:
        print(f"== browser suite: SKIPPED: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
