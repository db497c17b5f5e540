"""The audit floor's console: the change log's own pages (`changes`), and what every app's
pages take from it: History and read-only pages (`mixins`), people named (`people`) and
searched by (`search`), the effective-access panel (`access`)."""

from audit.admin import changes  # noqa: F401 (registers the audit pages)
