"""What the console keeps of its own: the recent refused API requests (4xx)."""

from django.db import models
from django.utils import timezone


class Refusal(models.Model):
    """One API request answered 4xx: who asked, what, and the answer. An operational log with
    a retention (`TESSERA_REFUSALS_KEPT` newest rows), not part of the audit trail: nothing
    here changed anything."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.PositiveSmallIntegerField()
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255, help_text="Secret query parameters masked.")
    client = models.CharField(max_length=200, blank=True, default="",
                              help_text="The API client or person, when it authenticated.")
    address = models.GenericIPAddressField(null=True, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.status} {self.method} {self.path}"
