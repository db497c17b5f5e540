from django.apps import AppConfig
from django.db import connections, router
from django.db.models.signals import post_migrate


def ensure_change_partitions(sender, using: str = "default", **kwargs) -> None:
    """Every `migrate` makes the change log's partitions ahead (audit.retention.partitions)."""
    from audit.models import ChangeRecord
    from audit.retention.partitions import ensure_partitions

    if router.allow_migrate_model(using, ChangeRecord):  # not on a read replica
        ensure_partitions(conn=connections[using])


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        post_migrate.connect(ensure_change_partitions, sender=self,
                             dispatch_uid="audit.ensure_change_partitions")
