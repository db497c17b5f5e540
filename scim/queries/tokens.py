"""The token a bearer secret names: one indexed equality, with its organization and account."""

from __future__ import annotations

from scim.models import TOKEN_PREFIX, ScimToken, token_checksum


def token_of(secret: str) -> ScimToken | None:
    """The live token of `secret` (not revoked, its organization and account still there and
    the account active), or None. One query (the joins are inner: an organization removed
    since, or an account deleted, finds nothing)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return (ScimToken.objects.select_related("organization", "identity")
            .filter(token_checksum=token_checksum(secret), revoked_at__isnull=True,
                    identity__is_active=True).first())
