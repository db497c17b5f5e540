"""What schemathesis needs to know about Tessera's schema beyond JSON Schema, shared by the full
run (`scripts/schemathesis_full.sh`, loaded through SCHEMATHESIS_HOOKS) and the bounded pass in
`make test` (tests/api/test_schemathesis.py). See docs/foundation.md, "The schema is the
contract".

- **Formats** the schema names and schemathesis does not know: how to draw valid values.
- **Refusals the schema cannot express**: a schema states the shape of a request, not whether
  the things it names exist or how two fields relate. Schema-valid requests that the server
  refuses for such a reason are dropped from the "schema-valid request rejected" check (ST202),
  each by its exact error (a CustomerID code or the server's message), never by status alone,
  so any other refusal of valid data still fails the run.
"""

from __future__ import annotations

import datetime
import os
import re
import sys
from dataclasses import dataclass

import schemathesis
from hypothesis import strategies as st

from orgs.hetu import CENTURY, CHECK
from orgs.hetu import FORMAT as HETU_FORMAT

# --- formats ---------------------------------------------------------------------------------

SIGNS = {century: "".join(s for s, c in CENTURY.items() if c == century)
         for century in set(CENTURY.values())}


@st.composite
def hetus(draw) -> str:
    """A Finnish personal identity code with a real date, individual number and check."""
    born = draw(st.dates(datetime.date(1800, 1, 1), datetime.date(2099, 12, 31)))
    sign = draw(st.sampled_from(SIGNS[born.year // 100 * 100]))
    individual = draw(st.integers(2, 999))
    digits = f"{born:%d%m%y}{individual:03d}"
    code = f"{born:%d%m%y}{sign}{individual:03d}{CHECK[int(digits) % 31]}"
    return draw(st.sampled_from([code, code.lower()]))


schemathesis.openapi.format(HETU_FORMAT, hetus())

# SCIM filters (format `scim-filter`): drawn from the attributes and kinds the schema lists
# beside the format (x-scim-attributes), through every operator that applies to each kind.
SCIM_OPS = {
    "string": ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"),
    "datetime": ("eq", "ne", "gt", "ge", "lt", "le"),
}
SCIM_OPS["enum"] = SCIM_OPS["string"]
SCIM_TEXT = st.text(st.characters(exclude_characters='"\x00'), max_size=12)


# (Named functions, not lambdas: Hypothesis describes a strategy by its functions' source.)
def quoted(value) -> str:
    return f'"{value}"'


def quoted_instant(instant: datetime.datetime) -> str:
    return quoted(instant.isoformat())


SCIM_VALUES = {
    "string": SCIM_TEXT.map(quoted),
    "datetime": st.datetimes(datetime.datetime(1900, 1, 1), datetime.datetime(2100, 1, 1),
                             timezones=st.just(datetime.UTC)).map(quoted_instant),
    "boolean": st.sampled_from(["true", "false"]),
    "uuid": st.uuids().map(quoted),
}
SCIM_VALUES["enum"] = SCIM_VALUES["string"]
SCIM_VALUES["computed"] = SCIM_VALUES["boolean"]
SCIM_VALUES["member"] = SCIM_VALUES["string"]  # eq and ne (the default operators)


def scim_comparisons(attributes: dict[str, str]) -> st.SearchStrategy[str]:
    def comparison(name: str, kind: str) -> st.SearchStrategy[str]:
        base = kind.rstrip("?")
        ops = SCIM_OPS.get(base, ("eq", "ne"))
        compared = st.builds(f"{name} {{}} {{}}".format, st.sampled_from(ops),
                             SCIM_VALUES[base])
        if kind.endswith("?"):  # null compares with eq and ne only
            compared |= st.sampled_from([f"{name} eq null", f"{name} ne null"])
        return compared | st.just(f"{name} pr")

    return st.one_of([comparison(name, kind) for name, kind in attributes.items()])


def scim_combinations(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds("{} and {}".format, inner, inner),
        st.builds("{} or {}".format, inner, inner),
        inner.map("not ({})".format),
        inner.map("({})".format),
    )


def scim_filters(attributes: dict[str, str]) -> st.SearchStrategy[str]:
    return st.recursive(scim_comparisons(attributes), scim_combinations, max_leaves=4)


SCIM_FORMATS: dict[tuple, str] = {}


@schemathesis.hook
def before_load_schema(context, raw_schema: dict) -> None:
    """Give each attribute list of a `scim-filter` its own format to draw from."""
    for operations in raw_schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(
                    operation, dict) else []:
                for branch in parameter.get("schema", {}).get("anyOf", []):
                    attributes = branch.get("x-scim-attributes")
                    if branch.get("format") != "scim-filter" or not attributes:
                        continue
                    key = tuple(sorted(attributes.items()))
                    if key not in SCIM_FORMATS:
                        SCIM_FORMATS[key] = f"scim-filter-{len(SCIM_FORMATS) + 1}"
                        schemathesis.openapi.format(SCIM_FORMATS[key],
                                                    scim_filters(attributes))
                    branch["format"] = SCIM_FORMATS[key]


# --- refusals of schema-valid data the schema cannot express -----------------------------------

@dataclass(frozen=True)
class Refusal:
    why: str
    path: str  # a regular expression over the operation's path template
    body: str  # a regular expression the error body contains


REFUSALS = (
    # CustomerID (spec 001): the references name existing entities.
    Refusal("`user=`/`memberOf=` names no user or role the client reaches, or deassigns a "
            "role the user does not hold (code 10, invalid reference)",
            r"^/eidm2/services/(assignments|role)/", r"<code>10</code>"),
    Refusal("a list longer than maxResults (code 12, size limit exceeded: the vendor's rule)",
            r"^/eidm2/services/", r"<code>12</code>"),
    # onePortal (spec 004): references, cross-field rules and the client's configuration.
    Refusal("authType/authSource names no type or source of the namespace, or a user subject "
            "or object names no identity",
            r"^/api/rest/v1/authorisation/",
            r"Unknown authorisation (type|source) |No identity has the id "),
    Refusal("validTo not later than validFrom (also the record's validFrom, on PATCH/PUT)",
            r"^/api/rest/v1/authorisation(_grant_right)?/",
            r"validTo must be later than validFrom"),
    Refusal("authorisationTypes names no type of the namespace",
            r"^/api/rest/v1/authorisation_grant_right/$",
            r"authorisationTypes: unknown in namespace"),
    Refusal("names lists one locale twice (a type's or source's name per locale is one)",
            r"^/api/rest/v1/authorisation_(type|source)/", r"names: Locale .* is named twice"),
    Refusal("nsCode names another namespace than the record's (records never move)",
            r"^/api/rest/v1/authorisation(_type|_source)?/\{id\}/",
            r"cannot move to another namespace"),
    Refusal("no nsCode, and the client (made with --all-perms, so it reaches every namespace) "
            "has no default namespace",
            r"^/api/rest/v1/authorisation(_type|_source|_grant_right)?/$",
            r"The client has no default namespace"),
    # Ainua (spec 000): OpenAPI 3.0 has no `propertyNames`, so the rule on a map's keys (the
    # external ids) is in the description only.
    Refusal("a key (an external id) is empty, longer than 255 characters or holds NUL",
            r"^/(api/)?integrations/v1/(accounts|users)/$",
            r"An external id is 1 to 255 characters without NUL"),
    Refusal("enable=true and disable=true together", r"^/eidm2/services/users?/",
            r"enable and disable cannot both be true"),
    Refusal("organizationType and organizationClass (its old name) name different types",
            r"^/eidm2/services/(orgs|org)/", r"organizationType and organizationClass differ"),
    # additiv DFS (specs 002/003, docs/identities.md): references, uniqueness, cross-field
    # rules, and the password rules (422 naming the field).
    Refusal("IdentityRoleId/SalutationId/BankBranchId names no catalog entry",
            r"^/v[12]\.0/", r'"Message": "(IdentityRoleId|SalutationId|BankBranchId): No '
                            r"[a-z ]+ has the id "),
    Refusal("AuditContextId names no context of a tenant the client reaches",
            r"^/v[12]\.0/", r'"Message": "AuditContextId: No audit context '),
    Refusal("the user name or external id is another identity's",
            r"^/v1\.0/identities", r'"Message": "(UserName|ExternalId): The [a-z ]+ .* is '
                                   r"already taken"),
    Refusal("a flagged user name or sign-in switch sent as null (they cannot be cleared)",
            r"^/v1\.0/identities/", r'"Message": "(UserName: An identity needs a user name|'
                                    r"(IsSignInEnabled|IsTenantAccessEnabled): Must be true)"),
    Refusal("a new identity's password too common, too similar to its other attributes or "
            "all digits (Django's validators: their length rule is the schema's minLength)",
            r"^/v1\.0/identities$", r'"Message": "Password: (This|The) password is (too '
                                    r"common|too similar|entirely numeric)"),
    Refusal("a change of password: the flags decide whether Password, ConfirmPassword and "
            "OldPassword are read (so no length or other rule can be stated on them), "
            "Password != ConfirmPassword, or a wrong OldPassword",
            r"^/v1\.0/identities/\{identityId\}$",
            r'"Message": "(Password|ConfirmPassword|OldPassword): '),
    Refusal("an email address Django's EmailValidator refuses",
            r"^/v1\.0/identities", r'"Message": "Email: Not a valid email address'),
    Refusal("a profile picture that is no JPEG/PNG/GIF/WebP image (decoded by Pillow), or "
            "over PROFILE_PICTURE_MAX_BYTES decoded, PROFILE_PICTURE_MAX_PIXELS or (decoded "
            "whole) PROFILE_PICTURE_MAX_DECODED_PIXELS (400, the spec lists no 422; its base64 "
            "form and text length are the schema's)",
            r"^/v1\.0/identities/\{identityId\}/profilepicture$",
            r'"Message": "ImageContentBase64: (Not a JPEG, PNG, GIF or WebP image|The picture '
            r"(is larger than|has more than) )"),
    Refusal("a restriction names a role that does not exist, or an identity that is no member "
            "of the base's tenant (422 on the 002 routes, 400 on the 003 ones)",
            r"^/v[12]\.0/(roles|members|identities)/\{[a-zA-Z]+\}/hierarchy/",
            r'"Message": "(RestrictedRoleIds: No identity role|RestrictedIdentityIds: No '
            r'member of tenant) '),
    Refusal("the path of a 002 restriction route names no role, or an identity that is no "
            "member of the client's default tenant (002 documents 422 there, no 404)",
            r"^/v2\.0/(roles/\{roleId\}|members/\{internalId\})/hierarchy/restrictions$",
            r'"Message": "(roleId: The Role ID is invalid|internalId: The Member ID is '
            r'invalid)'),
    Refusal("the 002 rank operation `Unknown` (in the spec's enum; documented as 422)",
            r"^/v2\.0/roles/\{roleId\}/hierarchy/rank/",
            r"\"Message\": \"operation: 'Unknown': must be Up or Down"),
    Refusal("the body's TenantId differs from the path's",
            r"^/v1\.0/tenants/", r'"Message": "TenantId: Differs from the path'),
    # the back office (spec 003, docs/backoffice.md): ids of the tenant's catalog only, and
    # each default among the menus
    Refusal("MenuIds/AccessPolicyIds name an entry outside the tenant's catalog, or a "
            "DefaultMenuIds entry is not among MenuIds",
            r"^/v1\.0/tenants/\{tenantId\}/identities/\{identityId\}/(menus|access-policies)$",
            r'"Message": "((MenuIds|AccessPolicyIds): No (menu|access policy) of the tenant '
            r'has the id|DefaultMenuIds: A default menu must be among MenuIds)'),
)


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    """Keep every failure but the documented refusals above (SCHEMATHESIS_SHOW_DROPPED=1
    prints each one dropped)."""
    dropped = None
    if failure.code == "ST202":
        body = response.text if response is not None else ""
        dropped = next((refusal.why for refusal in REFUSALS if re.search(
            refusal.path, case.operation.path) and re.search(refusal.body, body)), None)
    if dropped and os.environ.get("SCHEMATHESIS_SHOW_DROPPED"):
        body = " ".join((response.text if response is not None else "").split())[:300]
        print(f"dropped {failure.code} {case.method} {case.operation.path}: {dropped} | "
              f"{response.status_code} {body} | sent {case.query!r} {case.body!r}"[:900],
              file=sys.stderr)
    return not dropped
