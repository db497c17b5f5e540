"""Helpers of the DFS identity tests: the specs' sample bodies and the additiv error check."""

from __future__ import annotations

import copy

ROLE_PERMS = ["identities.view_identityrole"]
IDENTITY_PERMS = ["identities.add_identity", "identities.view_identity",
                  "identities.change_identity"]
MEMBER_PERMS = ["identities.view_member", "identities.change_member", "identities.add_member"]
ALL = ROLE_PERMS + IDENTITY_PERMS + MEMBER_PERMS + ["audit.add_auditcontext"]

# spec 003, "Create a new identity", as written (AuditContextId replaced where a test has one)
CREATE_SAMPLE = {
    "FirstName": "John",
    "LastName": "Connor",
    "SalutationId": 2,
    "Email": "jct@additiv.com",
    "Description": "John Connor account description",
    "Phone": "41|522672742",
    "Fax": "41|32112335",
    "BankBranchId": 1,
    "IdentityRoleId": 1,
    "ExternalId": "EX006D34-9",
    "AuditContextId": 1024,
    "Username": "jconnor",
    "Password": "superseretPassword.123",
}

# spec 003, "Update the identity", as written
UPDATE_SAMPLE = {
    "AuditContextId": 1024,
    "FirstName": "Sarah",
    "LastName": "Connor",
    "SalutationId": 1,
    "Email": "sconnor@additiv.com",
    "Phone": "41|9379992",
    "BankBranchId": 2,
    "IdentityRoleId": 0,
    "ExternalId": "0001EXT-F",
    "UserName": "sconn",
    "IsSignInEnabled": True,
    "IsTenantAccessEnabled": False,
    "UpdateFirstName": True,
    "UpdateLastName": True,
    "UpdateSalutationId": True,
    "UpdateEmail": True,
    "UpdateDescription": False,
    "UpdatePhone": True,
    "UpdateFax": False,
    "UpdateMobile": False,
    "UpdateUrl": True,
    "UpdateBankBranchId": True,
    "UpdateIdentityRoleId": False,
    "UpdateExternalId": True,
    "UpdateUserName": True,
    "SetNewPassword": False,
    "ChangePassword": False,
    "UpdateIsSignInEnabled": True,
    "UpdateIsTenantAccessEnabled": False,
}


def sample(body: dict, **changes) -> dict:
    """A sample body with some values replaced (None as a value removes the key)."""
    out = copy.deepcopy(body)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def assert_additiv_error(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"Code", "Message", "CorrelationId"}, body
    for word in words:
        assert word in body["Message"], body
    return body
