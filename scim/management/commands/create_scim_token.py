"""`manage.py create_scim_token ORG_PATH [--name N] [--json]`: a SCIM token of one
organization, printed once (only its checksum is kept)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from audit import context as scope
from core.errors import DomainError
from orgs.models import Organization
from scim.services.tokens import token_create


class Command(BaseCommand):
    help = ("Create a SCIM 2.0 token confined to the organization ORG_PATH and its "
            "sub-organizations; the token is printed once.")

    def add_arguments(self, parser):
        parser.add_argument("org_path", help="The organization's path, e.g. acme or acme/sales.")
        parser.add_argument("--name", default="default",
                            help="What the token is for (e.g. entra); shown in the console.")
        parser.add_argument("--json", action="store_true",
                            help='Print {"token": …, …} as JSON.')

    def handle(self, *args, org_path: str, name: str, json: bool, **options):
        organization = Organization.objects.filter(path=org_path.strip("/")).first()
        if organization is None:
            raise CommandError(f"No organization {org_path!r}.")
        with scope.for_command("create_scim_token"):
            try:
                issued = token_create(organization=organization, name=name)
            except DomainError as error:
                raise CommandError(error.message) from None
        if json:
            self.stdout.write(_json({"token": issued.secret, "name": issued.token.name,
                                     "organization": organization.path,
                                     "url": "/scim/v2/"}))
            return
        self.stdout.write(f"SCIM token {issued.token.name!r} of {organization.path} (shown "
                          f"once; the service account is {issued.token.identity.username}):")
        self.stdout.write(issued.secret)
        self.stdout.write("Base URL: https://<this host>/scim/v2/")


def _json(value) -> str:
    return json.dumps(value)
