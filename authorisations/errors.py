"""Errors the services raise besides ValidationError (which means a 400 everywhere)."""

from core.errors import ConflictError, ForbiddenError

__all__ = ["ConflictError", "NamespaceForbiddenError", "ReservedNamespaceError"]


class NamespaceForbiddenError(ForbiddenError):
    """The client may not write into the namespace it named (answered 403)."""


class ReservedNamespaceError(ForbiddenError):
    """A write into a reserved namespace by anyone but its owner (answered 403)."""
