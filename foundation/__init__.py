"""The platform floor: the machinery every domain app builds on, above the change log (`audit`)
and below the first domain app (`identities`). API plumbing (`foundation.api`: errors and their
styles, correlation ids, body limits, fields, schema hooks, pagination, parsers, permissions,
the failed-authentication lockout, the token endpoints, the reach filter backend), the bulk
import framework (`foundation.bulk`), the admin mixins (`foundation.admin`) and reach, the one
answer to "what may this identity reach" (`foundation.reach`). It imports `audit` and `core`
and nothing of the apps above it (docs/architecture.md)."""
