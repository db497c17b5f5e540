"""The OAuth2 endpoints that authenticate a client by its secret, throttled like the APIs.

django-oauth-toolkit's token and revocation views, wrapped: a locked-out client id or address
is answered 429 with `Retry-After` in the endpoint's own RFC 6749 error style before the
secret is checked (so is an attempt over a count's bound: `lockout.admit`), and a failed client
authentication (`invalid_client`, 401) counts towards a lockout (`foundation.api.lockout`). Which
clients may get a token at all is `identities.oauth.ServiceAccountValidator`'s rule.
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from oauth2_provider import views as oauth2_views

from foundation.api import lockout

# RFC 6749 has no error for "too many attempts"; `temporarily_unavailable` (its "try again
# later") is the registered code OAuth2 client libraries know as transient.
THROTTLED_ERROR = "temporarily_unavailable"


def client_id_of(request: HttpRequest) -> str | None:
    """The client id a token request authenticates with: HTTP Basic (form-encoded, RFC 6749
    §2.3.1) first, as django-oauth-toolkit reads it, else the `client_id` field."""
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme == "Basic":
        try:
            decoded = base64.b64decode(value).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        if ":" in decoded:
            return unquote_plus(decoded.split(":", 1)[0])
    return request.POST.get("client_id") or None


def oauth_error(status: int, error: str, description: str) -> HttpResponse:
    """An error in the endpoints' own RFC 6749 §5.2 style."""
    body = {"error": error, "error_description": description}
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def throttled_response(wait: int) -> HttpResponse:
    response = oauth_error(429, THROTTLED_ERROR, f"Too many failed authentication attempts; "
                                                 f"try again in {wait} seconds.")
    response["Retry-After"] = str(wait)
    return response


def unreadable_form(request: HttpRequest) -> bool:
    """Whether the body cannot be read as the form RFC 6749 sends (a multipart body without
    its boundary, say): Django raises on `request.POST`, which both the client id lookup and
    django-oauth-toolkit read."""
    try:
        request.POST  # noqa: B018 (parsed once, then cached on the request)
    except MultiPartParserError:
        return True
    return False


class ThrottledClientAuthentication:
    """Mixin for a django-oauth-toolkit view whose POST authenticates the client."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if unreadable_form(request):
            return oauth_error(400, "invalid_request", "The body is not a readable form "
                               "(application/x-www-form-urlencoded).")
        attempt = lockout.Attempt.of(request, client_id_of(request))
        wait = lockout.locked_for(attempt)
        if wait:
            return throttled_response(wait)
        admission = lockout.admit(attempt)
        if admission.wait:
            return throttled_response(admission.wait)
        try:
            response = super().post(request, *args, **kwargs)
        except BaseException:
            admission.release()
            raise
        if response.status_code == 401:  # invalid_client: unknown, wrong secret, disabled
            admission.failed()
        else:
            admission.release()
        return response


class TokenView(ThrottledClientAuthentication, oauth2_views.TokenView):
    pass


class RevokeTokenView(ThrottledClientAuthentication, oauth2_views.RevokeTokenView):
    pass
