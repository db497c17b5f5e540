"""Reads of authorisation grant rights: which a client sees, which principals a calling client
is, whether a grant right admits a write, and the SCIM attribute whitelist of the list filter.
(What grant rights are: `authorisations.services.grant_rights`.)
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import ChangeRecord
from authorisations.models import (
    NAMESPACES,
    AuthorisationGrantRight,
    Namespace,
    SubjectType,
)
from authorisations.queries.scim import Attr
from foundation import reach

Action = ChangeRecord.Action
# --- reads ---------------------------------------------------------------------------------------

def grant_rights_visible(identity, at: datetime | None = None) -> QuerySet:
    """Grant rights of the client's namespaces; with `at`, those that existed then, as they
    stood (a revocation after `at` is not yet one)."""
    rows = (AuthorisationGrantRight.objects.filter(reach.of(identity, NAMESPACES).q("namespace"))
            .select_related("namespace").prefetch_related("types"))
    if at is not None:
        rows = rows.filter(Q(created__lte=at)).exclude(revoked=True, revoked_at__lte=at)
    return rows


def principals_of(identity, client_id: str) -> Q:
    """The principals a calling client is (see the module's docstring)."""
    strings = [identity.get_username()] + ([client_id] if client_id else [])
    return (Q(principal_type=SubjectType.USER, principal_value=str(identity.pk))
            | Q(principal_type=SubjectType.GROUP,
                principal_value__in=identity.groups.values("name"))
            | Q(principal_type=SubjectType.STRING, principal_value__in=strings))


def grant_right_admits(*, identity, client_id: str, namespace: Namespace, type_code: str,
                       object_type: str, object_value: str) -> bool:
    """May the client create an authorisation of this type in this namespace, with this object,
    by an active grant right (one query)? Only when the object is the grant right's principal
    and the client is that principal (or, for a group, in it): it gives on its own behalf."""
    now = timezone.now()
    return (AuthorisationGrantRight.objects
            .filter(principals_of(identity, client_id), namespace=namespace, revoked=False,
                    principal_type=object_type, principal_value=object_value,
                    valid_from__lte=now, types__code=type_code,
                    types__deleted_at__isnull=True)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=now))
            .exists())


# --- the SCIM attribute whitelist ----------------------------------------------------------------

def _active(op: str, value, at: datetime) -> Q:
    if op == "pr":
        return Q()
    active = (Q(revoked=False, valid_from__lte=at)
              & (Q(valid_to__isnull=True) | Q(valid_to__gt=at)))
    wanted = value if op == "eq" else (value is not None and not value)
    return active if wanted else ~active


def _has_type(op: str, value, at: datetime) -> Q:
    if op == "pr":
        return Q()
    named = Q(pk__in=AuthorisationGrantRight.types.through.objects.filter(
        authorisationtype__code=value).values("authorisationgrantright_id"))
    return named if op == "eq" else ~named


GRANT_RIGHT_ATTRS = {
    "id": Attr("id", "uuid"),
    "nsCode": Attr("namespace__code"),
    "authorisationTypes": Attr("", build=_has_type),
    "principal.type": Attr("principal_type", "enum"),
    "principal.value": Attr("principal_value"),
    "object.type": Attr("object_type", "enum"),
    "object.value": Attr("object_value"),
    "validFrom": Attr("valid_from", "datetime"),
    "validTo": Attr("valid_to", "datetime", nullable=True),
    "authorisationGrant.createdAt": Attr("created", "datetime"),
    "authorisationGrant.createdByOauthClientId": Attr("created_by_client_id"),
    "authorisationGrant.revoked": Attr("revoked", "boolean"),
    "authorisationGrant.revokedAt": Attr("revoked_at", "datetime", nullable=True),
    "authorisationGrant.revokedByOauthClientId": Attr("revoked_by_client_id"),
    "active": Attr("", "boolean", build=_active),
}


def grant_rights_held(*, identity, client_id: str) -> list[Namespace]:
    """The namespaces in which the client holds an active grant right (one query)."""
    now = timezone.now()
    held = (AuthorisationGrantRight.objects
            .filter(principals_of(identity, client_id), revoked=False, valid_from__lte=now)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=now)).values("namespace_id"))
    return list(Namespace.objects.filter(pk__in=held).order_by("code"))
