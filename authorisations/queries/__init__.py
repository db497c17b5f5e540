"""Reads: which namespaces a client may use, filters, checks and the state as of an instant."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, connections, router
from django.db.models import BigIntegerField, F, Q, QuerySet, Value
from django.utils import timezone

from authorisations.models import (
    NAMESPACES,
    Authorisation,
    AuthorisationType,
    AuthorisationVersion,
    DefaultNamespace,
    Namespace,
)
from authorisations.queries.scim import MAX_FILTER_LENGTH, Attr, FilterError, parse
from core.errors import InvalidInputError
from foundation import reach

# --- namespaces ----------------------------------------------------------------------------------
# Which namespaces a client reaches is foundation.reach's answer (the realm NAMESPACES).


def default_namespace_for(identity) -> Namespace | None:
    """The client's default namespace (its first grant), or its only one."""
    allowed = reach.reachable(identity, NAMESPACES)
    chosen = (
        allowed.filter(pk__in=DefaultNamespace.objects.filter(identity=identity)
                       .values("namespace_id")).first()
    )
    if chosen is not None:
        return chosen
    only = list(allowed[:2])
    return only[0] if len(only) == 1 else None


# --- the SCIM attribute whitelists --------------------------------------------------------------

def active_q(at: datetime) -> Q:
    return (Q(revoked=False, deleted_at__isnull=True, valid_from__lte=at)
            & (Q(valid_to__isnull=True) | Q(valid_to__gt=at)))


def _active(op: str, value, at: datetime) -> Q:
    if op == "pr":
        return Q()
    wanted = value if op == "eq" else (value is not None and not value)
    return active_q(at) if wanted else ~active_q(at)


def _authorisation_attrs(id_path: str) -> dict[str, Attr]:
    return {
        "id": Attr(id_path, "uuid"),
        "nsCode": Attr("namespace__code"),
        "authType": Attr("type__code"),
        "authSource": Attr("source__code", nullable=True),
        "auhtSource": Attr("source__code", nullable=True),  # as the vendor's guide spells it
        "subject.type": Attr("subject_type", "enum"),
        "subject.value": Attr("subject_value"),
        "object.type": Attr("object_type", "enum"),
        "object.value": Attr("object_value"),
        "validFrom": Attr("valid_from", "datetime"),
        "validTo": Attr("valid_to", "datetime", nullable=True),
        "revoked": Attr("revoked", "boolean"),
        "revokedAt": Attr("revoked_at", "datetime", nullable=True),
        "active": Attr("", "boolean", build=_active),
        "created": Attr("created", "datetime"),
        "modified": Attr("modified", "datetime"),
    }


AUTHORISATION_ATTRS = _authorisation_attrs("id")
VERSION_ATTRS = _authorisation_attrs("authorisation_id")
CODED_ITEM_ATTRS = {
    "id": Attr("id", "uuid"),
    "code": Attr("code"),
    "name": Attr("name"),
    "description": Attr("description"),
    "nsCode": Attr("namespace__code"),
    "created": Attr("created", "datetime"),
    "modified": Attr("modified", "datetime"),
}
NAMESPACE_ATTRS = {"code": Attr("code"), "name": Attr("name")}


def scim_q(text: str | None, attrs: Mapping[str, Attr], *, at: datetime | None = None) -> Q:
    """The Q of a `filter` parameter (blank or absent: no restriction)."""
    if text is None:
        return Q()
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterError(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    if not text.strip():
        return Q()
    return parse(text, attrs, now=at)


def sortable(attrs: Mapping[str, Attr]) -> list[str]:
    """The `sortBy` values: the whitelist's stored attributes, or "" for the default order."""
    return ["", *(name for name, attr in attrs.items() if attr.build is None)]


def sort_path(sort_by: str | None, attrs: Mapping[str, Attr]) -> str | None:
    """The ORM path of a `sortBy` attribute, through the same whitelist as the filter."""
    if not sort_by:
        return None
    attr = {k.lower(): v for k, v in attrs.items()}.get(sort_by.lower())
    if attr is None or attr.build is not None:
        raise InvalidInputError(f"sortBy: Cannot sort by '{sort_by[:64]}'.")
    return attr.path


# --- authorisations -----------------------------------------------------------------------------

RELATED = ("namespace", "type", "source")


def authorisations_visible(identity) -> QuerySet[Authorisation]:
    """Live authorisations of the client's namespaces."""
    return (Authorisation.objects.alive().filter(reach.of(identity, NAMESPACES).q("namespace"))
            .select_related(*RELATED))


def authorisation_check(
    *,
    identity,
    subject: str,
    object: str,
    type_code: str,
    namespace: Namespace | None = None,
    at: datetime | None = None,
    subject_type: str | None = None,
    object_type: str | None = None,
    limit: int = 100,
) -> list[uuid.UUID]:
    """Ids of the active authorisations of `type_code` from `object` to `subject` at `at`.

    The hot path of the API: one parameterised statement written out (the ORM's compilation
    of the same query cost three times its execution). Same rules as `active_q` and
    foundation.reach (whose written-out statement of the client's grants it embeds).
    """
    ops = connection.ops
    moment = ops.adapt_datetimefield_value(at or timezone.now())
    sql = [f"SELECT a.id FROM {_T['auth']} a JOIN {_T['type']} t ON t.id = a.type_id "
           "WHERE a.subject_value = %s AND a.object_value = %s AND t.code = %s "
           "AND a.deleted_at IS NULL AND NOT a.revoked AND a.valid_from <= %s "
           "AND (a.valid_to IS NULL OR a.valid_to > %s)"]
    params: list = [subject, object, type_code, moment, moment]
    if namespace is not None:
        sql.append("AND a.namespace_id = %s")
        params.append(namespace.pk)
    elif not reach.of(identity, NAMESPACES).everything:
        granted, granted_params = reach.granted_ids_sql(identity, NAMESPACES)
        sql.append(f"AND a.namespace_id IN ({granted})")
        params += granted_params
    if subject_type:
        sql.append("AND a.subject_type = %s")
        params.append(subject_type)
    if object_type:
        sql.append("AND a.object_type = %s")
        params.append(object_type)
    sql.append("LIMIT %s")
    params.append(limit)
    with connections[router.db_for_read(Authorisation)].cursor() as cursor:
        cursor.execute(" ".join(sql), params)
        return [value if isinstance(value, uuid.UUID) else uuid.UUID(value)
                for (value,) in cursor.fetchall()]


_T = {
    "auth": Authorisation._meta.db_table,
    "type": AuthorisationType._meta.db_table,
}


# --- as of an instant ---------------------------------------------------------------------------

@dataclass
class AsOfPage:
    total: int
    rows: list  # Authorisation or AuthorisationVersion, in order


def _as_of_parts(identity, at: datetime) -> tuple[QuerySet, QuerySet]:
    allowed = reach.of(identity, NAMESPACES).q("namespace")
    current = Authorisation.objects.filter(
        allowed, modified__lte=at, revoked=False, deleted_at__isnull=True)
    versions = AuthorisationVersion.objects.filter(
        allowed, modified__lte=at, superseded_at__gt=at,
        revoked=False, deleted_at__isnull=True)
    return current, versions


def authorisations_as_of(
    *, identity, at: datetime, filter_text: str | None = None, order: str | None = None,
    descending: bool = False, offset: int = 0, limit: int = 100,
) -> AsOfPage:
    """The authorisations in force at `at` (created, not revoked or deleted by then), each with
    the state it had then: current rows unchanged since, and superseded versions covering `at`.
    """
    current, versions = _as_of_parts(identity, at)
    current = current.filter(scim_q(filter_text, AUTHORISATION_ATTRS, at=at))
    versions = versions.filter(scim_q(filter_text, VERSION_ATTRS, at=at))
    sort = order or "created"
    # A version's own id is not its authorisation's: sorting by id sorts versions by theirs.
    version_sort = "authorisation_id" if sort == "id" else sort
    cols_current = current.order_by().annotate(
        k_aid=F("id"), k_vid=Value(None, output_field=BigIntegerField()),
        k_sort=F(sort), k_created=F("created"),
    ).values("k_aid", "k_vid", "k_sort", "k_created")
    cols_versions = versions.order_by().annotate(
        k_aid=F("authorisation_id"), k_vid=F("id"), k_sort=F(version_sort),
        k_created=F("created"),
    ).values("k_aid", "k_vid", "k_sort", "k_created")
    union = cols_current.union(cols_versions, all=True)
    total = union.count()
    prefix = "-" if descending else ""
    keys = list(union.order_by(f"{prefix}k_sort", "k_created", "k_aid")[offset:offset + limit])
    if not keys:
        return AsOfPage(total, [])
    by_current = Authorisation.objects.select_related(*RELATED).in_bulk(
        [k["k_aid"] for k in keys if k["k_vid"] is None])
    by_version = AuthorisationVersion.objects.select_related(*RELATED).in_bulk(
        [k["k_vid"] for k in keys if k["k_vid"] is not None])
    rows = [by_current[k["k_aid"]] if k["k_vid"] is None else by_version[k["k_vid"]]
            for k in keys]
    return AsOfPage(total, rows)


def authorisation_as_of(*, identity, pk: uuid.UUID, at: datetime):
    """One authorisation as it stood at `at`, or None when it was not in force then."""
    current, versions = _as_of_parts(identity, at)
    found = current.select_related(*RELATED).filter(pk=pk).first()
    if found is None:
        found = versions.select_related(*RELATED).filter(authorisation_id=pk).first()
    return found
