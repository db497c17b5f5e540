"""The operator console of the authorisations context. Every write calls the services, so the
admin leaves the same versions and change records as the API; deleted records stay visible.
One module per page family: the catalog (namespaces, types, sources), authorisations and
grant rights; `common` holds what they share."""

from authorisations.admin import authorisations, catalog, grant_rights  # noqa: F401 (registers)
