"""Errors the services raise besides ValidationError (which means a 400 everywhere)."""


class ConflictError(Exception):
    """The request is well-formed but the record's state forbids it (answered 409)."""


class NamespaceForbiddenError(Exception):
    """The client may not write into the namespace it named (answered 403)."""
