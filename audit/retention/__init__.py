"""Retention of the change log: monthly partitions on PostgreSQL (`partitions`) and the prune
that exports whole months and drops them (`prune`, `manage.py prune_changes`)."""
