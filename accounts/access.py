"""What accounts adds to the effective-access panel (`audit.effective_access`): the Ainua
accounts the identity is bound to, per connector (one query)."""

from __future__ import annotations

from typing import Any

from accounts.models import AccountUser
from audit.effective_access import Line, Section, section_register


def _bindings(identity: Any) -> list[Line]:
    rows = AccountUser.objects.filter(identity=identity).select_related(
        "account", "connector").order_by("account__name", "connector__name")
    return [Line(f"user {b.external_id} of {b.connector.name} in account {b.account.name}"
                 + (f" ({b.account.common_id})" if b.account.common_id else ""),
                 record=b, state="active") for b in rows]


def sections_register() -> None:
    section_register(Section(key="account bindings", title="Ainua account bindings",
                             lines=_bindings, order=50))
