"""How a person is named to an operator: `uid (First Last)`, or the username alone.

One rule, used by `Identity.__str__` and by the console's name resolution
(`audit.people`), so a person reads the same on every page. A CustomerID user without
a uid has its own id as username (docs/identities.md): it is named by its names, else its
email; one with none of them reads `(no name) <id>`.
"""

from __future__ import annotations

import re

UUID_RE = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
                     re.IGNORECASE)


def person_label(*, pk: object, username: str, first_name: str = "", last_name: str = "",
                 email: str = "") -> str:
    """`uid (First Last)`, `uid`, or for a person whose username is its id: its names, its
    email, else the id marked as no name."""
    names = f"{first_name or ''} {last_name or ''}".strip()
    if username and username != str(pk):
        return f"{username} ({names})" if names else username
    return names or email or f"(no name) {pk}"
