"""A third process on the shared database, for tests/deploy/test_nodes.py: it makes the
changes that only the console (the admin) or a command makes — an API client deactivated, a
new client secret and password, a namespace grant withdrawn, permissions taken away —
through the service functions the admin calls, and creates the test's API clients with
`create_api_client`.

`python -m tests.deploy.operator_node` with DATABASE_URL set answers one JSON line per JSON
line read: `{"call": NAME, "kwargs": {...}}` → `{"ok": RESULT}` or `{"error": TEXT}`.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import sys
import traceback


def clients(*, flags: dict[str, list[str]]) -> dict[str, dict]:
    """`create_api_client NAME FLAGS… --json` for each name, with the identity's id (the
    default tenant first: a PostgreSQL test before this one may have flushed the
    migration's)."""
    from django.conf import settings
    from django.core.management import call_command

    from identities.models import Identity
    from identities.services.tenants import tenant_ensure

    tenant_ensure(key=settings.TESSERA_DEFAULT_TENANT_KEY,
                  name=settings.TESSERA_DEFAULT_TENANT_NAME)
    made = {}
    for name, options in flags.items():
        out = io.StringIO()
        call_command("create_api_client", name, *options, "--json", stdout=out)
        made[name] = json.loads(out.getvalue())
        made[name]["identity_id"] = str(Identity.objects.get(username=name).pk)
    return made


def roles(*, keys: list[str]) -> list[int]:
    """New roles, each ranked below every other (no API creates roles)."""
    from identities.services.roles import identity_role_create

    return [identity_role_create(key=key, name=key).pk for key in keys]


def deactivate(*, username: str) -> None:
    """What the admin's identity page does when "active" is unticked."""
    from identities.models import Identity
    from identities.services.people import identity_save

    identity = Identity.objects.get(username=username)
    identity.is_active = False
    identity_save(identity=identity, created=False)


def new_secrets(*, username: str) -> dict[str, str]:
    """A new client secret (the admin's application page) and a new password."""
    from oauth2_provider.models import Application

    from identities.services.clients import application_update
    from identities.services.people import identity_set_password

    application = Application.objects.select_related("user").get(user__username=username)
    secret, password = secrets.token_urlsafe(48), secrets.token_urlsafe(32)
    application.client_secret = secret  # stored hashed
    application_update(application=application)
    identity_set_password(identity=application.user, password=password)
    return {"client_secret": secret, "password": password}


def ungrant(*, username: str, namespace: str) -> None:
    """The namespace page's "clients" field without this client."""
    from authorisations.models import Namespace
    from authorisations.services.catalog import namespace_ungrant
    from identities.models import Identity

    namespace_ungrant(identity=Identity.objects.get(username=username),
                      namespace=Namespace.objects.get(code=namespace))


def withdraw_permissions(*, username: str) -> None:
    """The identity page's permissions emptied."""
    from identities.models import Identity
    from identities.services.people import identity_save

    identity_save(identity=Identity.objects.get(username=username), created=False,
                  user_permissions=[])


CALLS = {f.__name__: f for f in (clients, roles, deactivate, new_secrets, ungrant,
                                 withdraw_permissions)}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.contenttypes.models import ContentType

    from audit import context as scope

    print(json.dumps({"ok": "ready"}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        # A PostgreSQL test's flush re-creates the content types (new ids) under this process,
        # which no deployment does: forget them, as Django's flush does in its own process.
        ContentType.objects.clear_cache()
        try:
            with scope.for_command("test_nodes"):
                answer = {"ok": CALLS[request["call"]](**request["kwargs"])}
        except Exception:  # the test shows it
            answer = {"error": traceback.format_exc()}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
