"""What the SCIM service serves and announces, built with scim2-models: the User resource with
the Enterprise User extension, the discovery documents (RFC 7644 §4), and the policy requests
are read under.

The discovery documents are the same for every token; only `meta.location` depends on the
address the request came to, so they are built once (module constants) and each answer adds it.
"""

from __future__ import annotations

from typing import Any, ClassVar

import scim2_models
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Patch,
    ResourceType,
    Schema,
    ScimPolicy,
    ServiceProviderConfig,
    Sort,
)


# scim2-models' User, its email entries' addresses checked where Tessera keeps them, by
# CustomerID's own rule (Django's validator: orgs.services.users), not by email-validator,
# which refuses special-use domains: an on-premises directory's `.local` addresses, Okta's own
# examples. The same schema (the classes' docstrings are the schemas' descriptions).
class Email(scim2_models.Email):
    value: str | None = None
    """Email addresses for the user."""


class User(scim2_models.User):
    """User Account"""

    emails: list[Email] | None = None
    """Email addresses for the user."""

    Emails: ClassVar[type[scim2_models.ComplexAttribute]] = Email


UserResource = User[EnterpriseUser]
USER_SCHEMA = str(User.__schema__)
ENTERPRISE_SCHEMA = str(EnterpriseUser.__schema__)
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MEDIA_TYPE = "application/scim+json"

MAX_RESULTS = 1000  # a page holds at most this many resources (`count` above it is cut)
DEFAULT_COUNT = 100

# Microsoft Entra ID's PATCH habits, accepted (scim2-models' own tolerances): a `remove` whose
# `value` names the entries to remove, and an `add`/`replace` through a value filter that
# matches nothing creating the entry it describes (`emails[type eq "work"].value`).
POLICY = ScimPolicy(
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

_DUMP = Context.RESOURCE_QUERY_RESPONSE

SERVICE_PROVIDER_CONFIG: dict[str, Any] = ServiceProviderConfig(
    documentation_uri=None,
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=True),
    sort=Sort(supported=True),
    etag=ETag(supported=True),
    authentication_schemes=[AuthenticationScheme(
        type=AuthenticationScheme.Type.oauthbearertoken,
        name="Bearer token",
        description=("A long-lived token of one organization: `manage.py create_scim_token "
                     "ORG_PATH` prints it once. Authorization: Bearer <token>."),
        primary=True,
    )],
).model_dump(scim_ctx=_DUMP)

RESOURCE_TYPES: dict[str, dict[str, Any]] = {
    "User": ResourceType.from_resource(UserResource).model_dump(scim_ctx=_DUMP),
}

# the resources' schemas, and those of the discovery documents themselves (RFC 7643 §7-8.7.2)
SCHEMAS: dict[str, dict[str, Any]] = {
    str(model.__schema__): model.to_schema().model_dump(scim_ctx=_DUMP)
    for model in (User, EnterpriseUser, ServiceProviderConfig, ResourceType, Schema)
}


def located(document: dict[str, Any], resource_type: str, location: str) -> dict[str, Any]:
    """A discovery document with its `meta` (RFC 7643 §5-7: resourceType and location)."""
    return {**document, "meta": {"resourceType": resource_type, "location": location}}
