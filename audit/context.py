"""Who is acting, under which correlation id and audit context: per request or per command.

The values live in `ContextVar`s so that services can read them without every caller threading
them through. Middleware binds them for a request, management commands bind them explicitly, and
`bind()` restores the previous values on exit so nothing leaks between requests of a thread.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audit.models import AuditContext


@dataclass(frozen=True)
class Scope:
    correlation_id: str = ""
    actor: Any = None  # an identity (settings.AUTH_USER_MODEL) or None
    client_id: str = ""  # the OAuth2 client id, when an API client acts
    origin: str = "system"  # api, admin, command:<name>, system
    audit_context: AuditContext | None = None  # given by the caller (e.g. AuditContextId)


_scope: ContextVar[Scope] = ContextVar("tessera_audit_scope", default=Scope())  # noqa: B039 (frozen)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def current() -> Scope:
    return _scope.get()


def correlation_id() -> str:
    return _scope.get().correlation_id


@contextmanager
def bind(**changes: Any) -> Iterator[Scope]:
    """Run a block with some scope values changed; the previous values come back afterwards."""
    token = _scope.set(replace(_scope.get(), **changes))
    try:
        yield _scope.get()
    finally:
        _scope.reset(token)


def start_request(*, correlation_id: str, origin: str) -> None:
    """Give a request a fresh scope. It outlives the middleware chain because Django logs the
    response (`django.request`) after it, and that line needs the id too; `clear()` runs when
    the response is closed (the `request_finished` signal)."""
    _scope.set(Scope(correlation_id=correlation_id, origin=origin))


def clear(**_: Any) -> None:
    _scope.set(Scope())


def for_command(name: str, **changes: Any):
    """The scope of a management command: its own correlation id and `command:<name>` origin."""
    return bind(origin=f"command:{name}", correlation_id=new_correlation_id(), **changes)


def set_actor(actor: Any, *, client_id: str = "") -> None:
    """Name the actor for the rest of the current scope (called once authentication is known)."""
    _scope.set(replace(_scope.get(), actor=actor, client_id=client_id))


def set_audit_context(context: AuditContext | None) -> None:
    _scope.set(replace(_scope.get(), audit_context=context))
