"""Shared helpers of the accounts tests: connectors (API clients with the Ainua permissions,
calling with Bearer tokens) and the three PATCH calls."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

ALL = ["accounts.change_account", "accounts.change_accountuser",
       "identities.change_externalidentity"]
PREFIXES = ["/api/integrations/v1/", "/integrations/v1/"]


@dataclass
class Connector:
    caller: object
    client: APIClient
    prefix: str = PREFIXES[0]

    @property
    def application(self):
        return self.caller.credentials.application

    @property
    def client_id(self) -> str:
        return self.caller.credentials.client_id

    def patch(self, path: str, body, **extra):
        return self.client.patch(self.prefix + path, body, format="json", **extra)

    def accounts(self, body, **extra):
        return self.patch("accounts", body, **extra)

    def users_of(self, account_id: str, body, **extra):
        return self.patch(f"accounts/{account_id}/users", body, **extra)

    def users(self, body, **extra):
        return self.patch("users", body, **extra)


@pytest.fixture
def connector(make_caller):
    """`connector(perms=ALL, name=None)` → a Connector calling with a Bearer token."""

    def make(perms=ALL, name: str | None = None) -> Connector:
        caller = make_caller(perms, name=name)
        return Connector(caller, caller.bearer())

    return make
