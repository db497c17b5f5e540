"""The OpenAPI parameters of the CustomerID surface, built from the rules the services check
(`orgs.paths`, `orgs.services.users`, `orgs.hetu`, `orgs.conf`), so the schema states exactly
what the server accepts (docs/foundation.md, "The schema is the contract").

Every parameter travels in the query string (or the path); a value is at most
`params.MAX_PARAM` characters and holds no NUL character.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from core.patterns import NOT_BLANK, NUL_FREE
from orgs import conf, hetu
from orgs.api.params import MAX_PARAM
from orgs.paths import NAME, NAME_RULE, ORG_PATH, PARENT_PATH, ROLE_PATH, USER_PATH
from orgs.services import users

BOOLEAN = {"type": "boolean"}
TEXT = {"type": "string", "maxLength": MAX_PARAM, "pattern": NUL_FREE}


def _path(pattern: str, description: str, example: str) -> OpenApiParameter:
    """A path parameter holds slashes (sent as written or as %2F)."""
    return OpenApiParameter("path", {"type": "string", "pattern": pattern},
                            OpenApiParameter.PATH, description=description,
                            examples=[OpenApiExample("path", value=example)])


NAMES = f"Names are {NAME_RULE} (letters: ASCII and Latin letters U+00C0-U+024F)."
ORG = _path(ORG_PATH, "An organization path, ORG/SUBORG/… (at most 15 levels). " + NAMES,
            "1234567-8/sales")
PARENT = _path(PARENT_PATH, "The parent organization's path, ORG/SUBORG/… (at most 14 levels, "
                            "so that the new organization fits in 15). " + NAMES,
               "1234567-8/sales")
ROLE = _path(ROLE_PATH, "A role: its organization's path and its name, ORG/SUBORG/ROLE. " + NAMES,
             "1234567-8/OrganizationUser")
USER = _path(USER_PATH, "A user: its organization's path and its name, ORG/SUBORG/USER (a user "
                        "is never called `roles`). " + NAMES,
             "1234567-8/sales/0c4b7a9e-5f61-4d2b-9a8e-3f7d2c1b6e50")


def query(name: str, schema: dict, description: str = "", *, required: bool = False,
          deprecated: bool = False) -> OpenApiParameter:
    return OpenApiParameter(name, schema, OpenApiParameter.QUERY, required=required,
                            description=description, deprecated=deprecated)


def flag(name: str, description: str = "", **kwargs) -> OpenApiParameter:
    return query(name, BOOLEAN, description, **kwargs)


def _or_empty(schema: dict) -> dict:
    """A value of `schema`, or the empty string (which removes the attribute)."""
    return {"type": "string", "anyOf": [{"type": "string", "maxLength": 0}, schema]}


def _reference(kind: str, path: str) -> dict:
    """A `user=` or `memberOf=` value: the entity's path, or its URL as Tessera answers it."""
    return {"type": "string", "maxLength": MAX_PARAM,
            "pattern": rf"^(?:https?://[^/\x00]+/eidm2/services/{kind}/)?{path[1:-1]}$"}


def list_params(recursive: str = "Also what lies deeper in the tree (default false).",
                ) -> list[OpenApiParameter]:
    return [
        flag("recursive", recursive),
        query("maxResults", {"type": "integer", "minimum": 1, "maximum": conf.max_results()},
              "Refuse (code 12) a list longer than this."),
    ]


def organization_params(*, create: bool) -> list[OpenApiParameter]:
    types = {"type": "string", "enum": ["", *sorted(conf.organization_types())]}
    friendly = {"type": "string", "maxLength": 256, "pattern": NOT_BLANK}
    params = [
        query("friendlyName", friendly, "Human readable name.", required=create),
        query("organizationType", types, "A configured organization type (\"\": none); its "
                                         "roles are created with the organization."),
        query("organizationClass", types, "The old name of organizationType (if both are "
                                          "given they must agree).", deprecated=True),
    ]
    if create:
        params[:0] = [
            query("organizationId", {"type": "string", "pattern": NAME},
                  f"The new organization's name: {NAME_RULE}.", required=True),
            flag("virtual", "Whether the organization is virtual (default: false, as the "
                            "spec's table says; a normal organization under a virtual parent "
                            "is refused with code 9, a virtual one under a normal parent "
                            "with code 8)."),
        ]
    return params


def user_params(*, update: bool) -> list[OpenApiParameter]:
    """MOD009 (create) and MOD004b (update); an empty value removes the attribute."""
    params = [
        query("uid", {"type": "string", "pattern": users.UID},
              "Login name: at most 150 characters, no whitespace; unique."),
        query("email", _or_empty({"type": "string", "format": "email",
                                  "maxLength": users.EMAIL_MAX})),
        query("firstname", {**TEXT, "maxLength": users.NAME_MAX}),
        query("surname", {**TEXT, "maxLength": users.NAME_MAX}),
        query("mobile", _or_empty({"type": "string", "pattern": users.MOBILE,
                                   "maxLength": users.MOBILE_MAX}),
              "A phone number: an optional +, 3-20 digits, spaces and dashes."),
        query("locale", _or_empty({"type": "string", "pattern": users.LOCALE,
                                   "maxLength": users.LOCALE_MAX}), "Such as fi_FI or en."),
        query("hetu", _or_empty({"type": "string", "format": hetu.FORMAT,
                                 "pattern": hetu.ACCEPTED}),
              "Finnish personal identity code DDMMYYCZZZQ (format `hetu`: a real birth date, "
              "individual number 002-999, the matching check character; either case)."),
        query("pwd", {**TEXT, "maxLength": users.PWD_MAX},
              "New password (empty: disables the password method)."),
        flag("pwd.activated", "Whether the password method is active."),
        flag("enable", "Enable the user (not together with disable=true)."),
        flag("disable", "Disable the user (not together with enable=true)."),
        *(query(name, TEXT, "Deprecated; accepted and ignored.", deprecated=True)
          for name in sorted(USER_DEPRECATED)),
    ]
    if update:
        params += [
            flag("create", "Create the user when it does not exist."),
            flag("roles.remove", "Remove the user's role assignments."),
            flag("mandates.remove", "Revoke the user's mandates."),
        ]
    return params


USER_DEPRECATED = ("otp.state", "otp.activated", "sms.activated")


def user_filter_params() -> list[OpenApiParameter]:
    return [
        flag("exactMatch", "Match whole values (default: contained, case ignored)."),
        *(query(name, TEXT) for name in ("uid", "email", "firstname", "surname", "mobile",
                                         "locale", "status", "hetu")),
    ]


USER_REF = query("user", _reference("user", USER_PATH),
                 "The user: ORG/SUBORG/USER or its URL.", required=True)
MEMBER_OF = query("memberOf", {"type": "string", "anyOf": [{"type": "string", "maxLength": 0},
                                                           _reference("role", ROLE_PATH)]},
                  "The role this role becomes a member of: ORG/SUBORG/ROLE or its URL.")

CONFLICT = OpenApiResponse(
    description="Refused by the state of the registry: already exists (code 4), parent not "
                "virtual (8) or not non-virtual (9), a memberOf cycle (10), an organization "
                "with sub-organizations removed without recursive=true (1).")
