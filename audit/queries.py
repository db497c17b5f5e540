"""Reads of the audit trail."""

from django.db import models
from django.db.models import QuerySet

from audit.models import ChangeRecord
from audit.services import object_type_of


def changes_of(instance: models.Model, *, limit: int = 500) -> QuerySet[ChangeRecord]:
    """The change records of one object, newest first (one indexed query)."""
    return ChangeRecord.objects.filter(
        object_type=object_type_of(instance), object_id=str(instance.pk)
    ).order_by("-id")[:limit]
