"""Refusals of the additiv surfaces' services beyond core.errors.

`UnprocessableError` (a rule or a reference refused a field, answered 422) is a generic kind
and lives in core.errors with the others, so the one status table (foundation.api.exceptions)
can name it; it is re-exported here for the services that raise it.
"""

from __future__ import annotations

from core.errors import UnprocessableError

__all__ = ["UnprocessableError"]
