"""Demo Ainua data for `manage.py load_demo` (idempotent): two connectors (API clients
`demo-crm` and `demo-erp`) feeding accounts, one merged by common id (and linked to the demo
organization 1234567-8), users merged by email (Maija is also a CustomerID user), one pending."""

from __future__ import annotations

from oauth2_provider.models import Application

from accounts import services
from accounts.models import Account
from accounts.validation import accounts_clean, users_clean
from identities.services.clients import api_client_create

CONNECTORS = ("demo-crm", "demo-erp")
ACCOUNTS = {
    "demo-crm": {"crm-100": {"name": "Example Company", "id": "1234567-8"},
                 "crm-200": {"name": "Globex Ltd.", "id": "7654321-0"}},
    "demo-erp": {"ERP-9": {"name": "Example Company Oy", "id": "1234567-8"},
                 "ERP-77": {"name": "Initech (no common id)"}},
}
USERS = {
    "demo-crm": {"c-maija": {"email": "maija@example.com", "name": "Maija Meikäläinen"},
                 "c-lena": {"email": "lena@example.com", "name": "Lena Larsen"}},
    "demo-erp": {"e-maija": {"email": "MAIJA@example.com"},
                 "e-omar": {"email": "omar@example.com", "name": "Omar Osman"}},
}
BINDINGS = {
    "demo-crm": {"1234567-8": ["c-maija", "c-lena", "c-pending"], "7654321-0": ["c-lena"]},
    "demo-erp": {"1234567-8": ["e-maija"], "ERP-77": ["e-omar"]},
}


def load(stdout) -> None:
    if Account.objects.filter(common_id="1234567-8").exists():
        return
    for name in CONNECTORS:
        application = Application.objects.filter(name=name).first()
        if application is None:
            application = api_client_create(name=name, permissions=[
                "accounts.change_account", "accounts.change_accountuser",
                "identities.change_externalidentity"]).application
            stdout.write(f"connector {name}")
        connector_id = application.pk
        services.accounts_patch(connector_id=connector_id,
                                entries=accounts_clean(ACCOUNTS[name]))
        services.users_patch(connector_id=connector_id, entries=users_clean(USERS[name]))
        for account_id, users in BINDINGS[name].items():
            account = services.account_of_connector(connector_id=connector_id,
                                                    account_id=account_id)
            services.account_users_set(connector_id=connector_id, account=account,
                                       external_ids=users)
    stdout.write("accounts: 3 from two connectors, 1234567-8 merged, 5 users (1 pending)")
