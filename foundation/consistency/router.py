"""The database router of a primary and its replica (settings.DATABASE_ROUTERS when
DATABASE_REPLICA_URL is set): reads as the request's route says, everything else on the
primary. The replica is never migrated: it is a copy."""

from __future__ import annotations

from foundation.consistency import route


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        return route.read_alias()

    def db_for_write(self, model, **hints) -> str:
        return route.PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == route.PRIMARY
