"""Authorisation grant rights: the vendor's way to let a principal give authorisations of some
types on its own behalf. Their writes (create, revoke); the reads are in
`authorisations.queries.grant_rights`.

A grant right names a principal (a user, a group or a string, as an authorisation's subject)
and the types it may give. While it is active, the principal may create authorisations of
those types, in the grant right's namespace, whose object is the principal itself: the
authorisation create of the API admits such a write without AUTHORISATION_CREATE
(`grant_right_admits`). How a calling client is matched to a principal:

- `user`: the client's identity id;
- `group`: the name of one of the client's groups;
- `string`: the client's OAuth2 client id, or its username.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from audit.models import ChangeRecord
from audit.services import audited, record
from audit.states import snapshot
from authorisations.models import (
    AuthorisationGrantRight,
    AuthorisationType,
    Namespace,
    ObjectType,
    SubjectType,
)
from authorisations.services.catalog import reserved_check
from core import locks
from core.errors import ConflictError, InvalidInputError

Action = ChangeRecord.Action
DEFAULT_VALIDITY = timedelta(days=365)  # the vendor's default: one year after creation


def grant_right_state(grant_right: AuthorisationGrantRight,
                      type_codes: Sequence[str] | None = None) -> dict:
    """Its change-log state: the row and the codes of its types."""
    if type_codes is None:
        type_codes = [t.code for t in grant_right.types.all()]
    return {**snapshot(grant_right), "authorisationTypes": sorted(type_codes)}


def grant_right_create(
    *,
    namespace: Namespace,
    type_codes: Sequence[str],
    principal_type: str,
    principal_value: str,
    object_type: str,
    object_value: str,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
    client_id: str = "",
) -> AuthorisationGrantRight:
    """A grant right of these types (live codes of `namespace`) to the principal; `valid_from`
    defaults to now, `valid_to` to a year after creation. The types are held (`FOR KEY SHARE`,
    `core.locks`) so that none is deleted before the grant right naming it commits. Refused
    in a reserved namespace (`services.reserved_check`), as every other write there."""
    reserved_check(namespace)
    codes = sorted(set(type_codes))
    if not codes:
        raise InvalidInputError("authorisationTypes: name at least one authorisation type.")
    if principal_type not in SubjectType.values:
        raise InvalidInputError(f"principal.type: {principal_type!r} is not a subject type.")
    if object_type not in ObjectType.values:
        raise InvalidInputError(f"object.type: {object_type!r} is not an object type.")
    now = timezone.now()
    valid_from = valid_from or now
    valid_to = valid_to if valid_to is not None else now + DEFAULT_VALIDITY
    if valid_to <= valid_from:
        raise InvalidInputError("validTo must be later than validFrom.")
    with transaction.atomic(), audited():
        named = AuthorisationType.objects.alive().filter(namespace=namespace, code__in=codes)
        types = list(AuthorisationType.objects.filter(pk__in=locks.key_shared(named)))
        unknown = sorted(set(codes) - {t.code for t in types})
        if unknown:
            raise InvalidInputError(
                f"authorisationTypes: unknown in namespace {namespace.code!r}: "
                f"{', '.join(unknown)}.")
        grant_right = AuthorisationGrantRight.objects.create(
            namespace=namespace, principal_type=principal_type,
            principal_value=principal_value, object_type=object_type,
            object_value=object_value, valid_from=valid_from, valid_to=valid_to, created=now,
            created_by_client_id=client_id)
        grant_right.types.set(types)
        record(action=Action.CREATE, instance=grant_right,
               after=grant_right_state(grant_right, codes))
    return grant_right


def grant_right_revoke(*, grant_right: AuthorisationGrantRight,
                       client_id: str = "") -> AuthorisationGrantRight:
    """Revocation is final: a second one is a conflict. Allowed in a reserved namespace too:
    a grant right there (made before creates were refused) admits nothing, and revoking it
    only tidies."""
    with transaction.atomic(), audited():
        current = AuthorisationGrantRight.objects.select_for_update().get(pk=grant_right.pk)
        if current.revoked:
            raise ConflictError("The authorisation grant right is already revoked.")
        codes = [t.code for t in current.types.all()]
        before = grant_right_state(current, codes)
        current.revoked, current.revoked_at = True, timezone.now()
        current.revoked_by_client_id = client_id
        current.save(update_fields=["revoked", "revoked_at", "revoked_by_client_id"])
        record(action=Action.REVOKE, instance=current, before=before,
               after=grant_right_state(current, codes))
    return current
