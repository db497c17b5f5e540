"""The OAuth2 token and revocation endpoints in the OpenAPI schema (django-oauth-toolkit views,
not DRF)."""

TOKEN_PATHS = ("/oauth/token/", "/connect/token")
REVOKE_PATH = "/oauth/revoke_token/"

TOKEN_REQUEST = {
    "type": "object",
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "client_id": {"type": "string", "description": "Or send it with HTTP Basic."},
        "client_secret": {"type": "string", "description": "Or send it with HTTP Basic."},
        "scope": {"type": "string", "example": "api"},
    },
    "required": ["grant_type"],
}
TOKEN_RESPONSE = {
    "type": "object",
    "properties": {
        "access_token": {"type": "string"},
        "token_type": {"type": "string", "example": "Bearer"},
        "expires_in": {"type": "integer", "example": 3600},
        "scope": {"type": "string"},
    },
    "required": ["access_token", "token_type", "expires_in"],
}
REVOKE_REQUEST = {
    "type": "object",
    "description": "RFC 7009 token revocation.",
    "properties": {
        "token": {"type": "string", "minLength": 1, "description": "The access token to revoke."},
        "token_type_hint": {"type": "string", "example": "access_token"},
        "client_id": {"type": "string", "description": "Or send it with HTTP Basic."},
        "client_secret": {"type": "string", "description": "Or send it with HTTP Basic."},
    },
    "required": ["token"],
}
OAUTH_ERROR = {
    "type": "object",
    "description": "RFC 6749 §5.2 error.",
    "properties": {
        "error": {"type": "string", "example": "invalid_client"},
        "error_description": {"type": "string"},
    },
    "required": ["error"],
}


def add_token_endpoint(result: dict, generator, request, public) -> dict:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(
        {"TokenRequest": TOKEN_REQUEST, "TokenResponse": TOKEN_RESPONSE,
         "TokenRevocationRequest": REVOKE_REQUEST, "OAuthError": OAUTH_ERROR}
    )

    def ref(name: str) -> dict:
        return {"schema": {"$ref": f"#/components/schemas/{name}"}}

    errors = {
        "400": {"description": "Bad request.",
                "content": {"application/json": ref("OAuthError")}},
        "401": {"description": "Unknown client or wrong secret.",
                "content": {"application/json": ref("OAuthError")}},
        "413": {"description": "The request body is larger than the server accepts.",
                "content": {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}}}},
        "429": {"description": (
                    "Too many failed client authentications: the client id (from this "
                    "address) or the address is locked out, or the client id is slowed "
                    "(`temporarily_unavailable`)."),
                "headers": {"Retry-After": {
                    "description": ("Seconds to wait: until the lockout ends, or the "
                                    "slowed client's next turn."),
                    "schema": {"type": "integer", "minimum": 1}}},
                "content": {"application/json": ref("OAuthError")}},
    }
    paths = result.setdefault("paths", {})
    paths[REVOKE_PATH] = {
        "post": {
            "operationId": "oauth_revoke_token",
            "summary": "Revoke an access token (RFC 7009)",
            "description": ("Answers 200 with an empty body whether or not the token was "
                            "known, as RFC 7009 §2.2 asks; a token of another client is left "
                            "alone."),
            "tags": ["OAuth2"],
            "security": [{"basicAuth": []}, {}],
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": ref("TokenRevocationRequest")},
            },
            "responses": {
                "200": {"description": "Revoked (or unknown): an empty body.",
                        "content": {"text/html": {"schema": {"type": "string",
                                                             "maxLength": 0}}}},
                **errors,
            },
        }
    }
    for path in TOKEN_PATHS:
        paths[path] = {
            "post": {
                "operationId": "oauth_token" + ("" if path.startswith("/oauth") else "_connect"),
                "summary": "Issue an access token (OAuth2 client credentials)",
                "tags": ["OAuth2"],
                "security": [{"basicAuth": []}, {}],
                "requestBody": {
                    "required": True,
                    "content": {"application/x-www-form-urlencoded": ref("TokenRequest")},
                },
                "responses": {
                    "200": {"description": "A bearer token.",
                            "content": {"application/json": ref("TokenResponse")}},
                    **errors,
                },
            }
        }
    return result
