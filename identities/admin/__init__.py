"""The operator console of identities: people and API clients (`identities`), groups and OAuth2
applications (`access`), the hierarchies (`hierarchy`), picture thumbnails (`pictures`) and the
"clients that reach it" field every realm's admin uses (`reach`)."""

from identities.admin import access, identities  # noqa: F401  (they register the admins)
