"""OAuth2 glue: client-credentials tokens act as their client's service account."""

from oauth2_provider.oauth2_validators import OAuth2Validator


class ServiceAccountValidator(OAuth2Validator):
    """Stamps a client-credentials token with the client's service account.

    django-oauth-toolkit leaves such tokens without a user; Tessera's permissions and object
    grants are the service account's, so the token carries it and authentication needs no extra
    query to find it.
    """

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        if request.grant_type == "client_credentials" and request.client.user_id:
            request.user = request.client.user
        return super()._create_access_token(expires, request, token, source_refresh_token)
