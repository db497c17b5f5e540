"""Which OAuth2 client a request acts as (the vendor records client ids on grant rights)."""

from __future__ import annotations

from oauth2_provider.models import Application

from audit import context as audit_context


def client_id_of(request) -> str:
    """The request's token's or Basic credentials' client id, else the one application of the
    service account that authenticated with its username (empty if it has none)."""
    client_id = audit_context.current().client_id
    if not client_id and request.user.is_authenticated:
        client_id = (Application.objects.filter(user=request.user).order_by("id")
                     .values_list("client_id", flat=True).first() or "")
    return client_id
