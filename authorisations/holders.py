"""Authorisations hold the identities they name (a `user` subject or object, the identity's id
as text): registered with `identities.services.holders` by `AuthorisationsConfig.ready()`, so that a
person removed from a CustomerID organization keeps an identity that an authorisation or a
grant right still names. Revoked and deleted ones hold nothing."""

from __future__ import annotations

from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat

from audit.tombstones import uuid_text
from identities.services.holders import holder_register, id_texts

USER = "user"


def _held(model: type[models.Model], type_field: str, value_field: str, what: str):
    def rows(ids: models.QuerySet) -> models.QuerySet:
        qs = model.objects.filter(**{type_field: USER, f"{value_field}__in": id_texts(ids)},
                                  revoked=False)
        if any(f.name == "deleted_at" for f in model._meta.concrete_fields):
            qs = qs.filter(deleted_at__isnull=True)
        return qs.annotate(held_id=models.F(value_field), held_by=Concat(
            Value(f"{what} "), uuid_text("id"), output_field=models.CharField()))
    return rows


def holders_register() -> None:
    from authorisations.models import Authorisation, AuthorisationGrantRight

    holder_register("authorisation subject", _held(
        Authorisation, "subject_type", "subject_value", "subject of authorisation"))
    holder_register("authorisation object", _held(
        Authorisation, "object_type", "object_value", "object of authorisation"))
    holder_register("grant right principal", _held(
        AuthorisationGrantRight, "principal_type", "principal_value",
        "principal of grant right"))
    holder_register("grant right object", _held(
        AuthorisationGrantRight, "object_type", "object_value", "object of grant right"))
