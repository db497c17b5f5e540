"""Writes of permission groups and OAuth2 applications (the console edits them): each in a
transaction with one change record holding the real before and after, many-to-many values
included and secrets masked. API clients are created by `api_client_create`
(identities.services), not here."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from oauth2_provider.models import AccessToken, Application

from audit.services import audited, delete_recorded, save_recorded
from identities import reach
from identities.services import access_token_revoke

# a group's tombstone names its permissions and the identities that were in it
GROUP_GONE = ("permissions", "user_set")


def group_save(*, group: Group, created: bool,
               permissions: Iterable[Permission] | None = None) -> Group:
    """Create or edit a group as a whole (its name, its permissions when given)."""
    related = {"permissions": permissions} if permissions is not None else {}
    save_recorded(group, created=created, related=related, clean=True)
    return group


def group_delete(*, group: Group) -> None:
    """Delete a group: its members lose what it gave them; its grants (tenants, namespaces,
    subtrees) are withdrawn first, each recorded; the tombstone keeps who its members were
    and its permissions."""
    with transaction.atomic(), audited():
        reach.grants_withdraw(group)
        delete_recorded(group, related=GROUP_GONE)


def application_update(*, application: Application) -> Application:
    """Save an OAuth2 application edited as a whole (redirect URIs, grant type, secret, …);
    the secret is stored hashed and recorded masked."""
    save_recorded(application, created=False, clean=False)
    return application


def application_delete(*, application: Application) -> None:
    """Delete an OAuth2 application: its tokens are revoked first (each recorded, as a
    revocation from the console is), then the application, with its tombstone. The service
    account it belonged to stays (delete that identity to end its HTTP Basic access too)."""
    with transaction.atomic(), audited():
        for token in AccessToken.objects.filter(application=application).order_by("pk"):
            access_token_revoke(token=token)
        delete_recorded(application)
