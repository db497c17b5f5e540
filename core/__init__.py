"""What every app shares and none owns: domain errors, the materialized-path tree helpers and
the bulk-import framework. It imports nothing of the apps (only `audit`, for the change log)."""
