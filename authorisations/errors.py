"""Errors the services raise besides ValidationError (which means a 400 everywhere)."""

from core.errors import ConflictError, ForbiddenError

__all__ = ["ConflictError", "NamespaceForbiddenError"]


class NamespaceForbiddenError(ForbiddenError):
    """The client may not write into the namespace it named (answered 403)."""
