"""Which change records an identity may see: those of a kind whose view permission it holds,
about an object within its reach (foundation.reach), as the record's own states say.

A kind of record belongs to a realm through a key of its states (`namespace` of an
authorisation, `organization` of a CustomerID user, `tenant` of a member) or, for the realm's
own objects, through the object's id. The state before the change or after it counts (a move out
of reach is seen by both sides; a deletion has only a before). An organization that is gone
leaves its records to the clients that reach every subtree. Kinds listed nowhere here (the
global catalogue, identities, Ainua's accounts, role assignments) are seen by a client that
reaches everything of every realm and may read the change log (`audit.view_changerecord`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from authorisations.models import NAMESPACES
from foundation import reach
from foundation.reach import Realm
from identities.models import TENANTS
from orgs.models import SUBTREES


@dataclass(frozen=True)
class Kind:
    object_type: str
    view: str  # the permission to see it, app_label.codename
    realm: Realm
    key: str | None  # the state's key naming the realm object; None: the object is one


KINDS = [
    Kind("authorisations.authorisation", "authorisations.AUTHORISATION_VIEW", NAMESPACES,
         "namespace"),
    Kind("authorisations.authorisationtype", "authorisations.AUTHORISATION_TYPE_VIEW",
         NAMESPACES, "namespace"),
    Kind("authorisations.authorisationsource", "authorisations.AUTHORISATION_SOURCE_VIEW",
         NAMESPACES, "namespace"),
    Kind("authorisations.authorisationgrantright", "authorisations.AUTHORISATION_VIEW",
         NAMESPACES, "namespace"),
    Kind("authorisations.namespace", "authorisations.view_namespace", NAMESPACES, None),
    Kind("orgs.organization", "orgs.view_organization", SUBTREES, None),
    Kind("orgs.orguser", "orgs.view_orguser", SUBTREES, "organization"),
    Kind("orgs.role", "orgs.view_role", SUBTREES, "organization"),
    Kind("identities.member", "identities.view_member", TENANTS, "tenant"),
    Kind("identities.tenant", "identities.view_tenant", TENANTS, None),
]
REALMS = (NAMESPACES, SUBTREES, TENANTS)
LOG = "audit.view_changerecord"  # the whole change log's kinds listed nowhere here


def _about(kind: Kind, objects: Any) -> Q:
    """Records of `kind` whose object, or whose state's realm key, is among `objects`."""
    ids = objects.values(text=Cast("pk", CharField()))
    if kind.key is None:
        return Q(object_id__in=ids)
    return Q(**{f"_before_{kind.key}__in": ids}) | Q(**{f"_after_{kind.key}__in": ids})


def annotations() -> dict:
    """The state keys `visible` compares (annotate the records with them first)."""
    return {f"_{side}_{key}": KeyTextTransform(key, side)
            for key in {kind.key for kind in KINDS if kind.key} for side in ("before", "after")}


def visible(identity: Any) -> Q:
    """The change records `identity` may see (of records annotated with `annotations()`)."""
    reaches = {realm.name: reach.of(identity, realm) for realm in REALMS}
    seen = Q(pk__in=[])
    for kind in KINDS:
        if identity.has_perm(kind.view):
            within = reaches[kind.realm.name]
            about = Q() if within.everything else _about(kind, within.objects())
            seen |= Q(object_type=kind.object_type) & about
    if all(r.everything for r in reaches.values()) and identity.has_perm(LOG):
        seen |= ~Q(object_type__in=[kind.object_type for kind in KINDS])
    return seen
