"""Create an API client: a service account plus an OAuth2 client-credentials application."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit import context as scope
from authorisations.services import api_client_namespaces_grant
from identities.services import api_client_create
from orgs.services import subtrees_grant


class Command(BaseCommand):
    help = (
        "Create a service account and an OAuth2 confidential client (client-credentials grant) "
        "and print its username, password (HTTP Basic), client_id and client_secret."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The client's name (also its service-account username).")
        parser.add_argument(
            "--perm",
            action="append",
            default=[],
            metavar="PERM",
            help="A permission, as app_label.codename or a bare codename such as "
            "AUTHORISATION_VIEW. Repeatable.",
        )
        parser.add_argument("--all-perms", action="store_true", help="Grant every permission.")
        parser.add_argument(
            "--tenant",
            action="append",
            default=[],
            metavar="KEY",
            help="A tenant the client may reach (repeatable; default: the default tenant).",
        )
        parser.add_argument(
            "--namespace",
            action="append",
            default=[],
            metavar="CODE",
            help="An authorisation namespace the client may use, created if missing "
            "(repeatable; the first is the client's default).",
        )
        parser.add_argument(
            "--org",
            action="append",
            default=[],
            metavar="PATH",
            help="An organization subtree (CustomerID path such as ORG/SUBORG) the client is "
            "limited to (repeatable; without --org, reach is the orgs.access_subtree permission).",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        # One transaction: a client whose grants fail (say, a bad namespace code) is not kept.
        with scope.for_command("create_api_client"), transaction.atomic():
            try:
                credentials = api_client_create(
                    name=options["name"],
                    permissions=options["perm"],
                    all_permissions=options["all_perms"],
                    tenant_keys=options["tenant"],
                )
                self.grant_scopes(credentials.identity, options)
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
        data = credentials.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(data))
        else:
            for key, value in data.items():
                self.stdout.write(f"{key}: {value}")
            self.stdout.write(
                self.style.WARNING("The password and client secret are shown only this once.")
            )

    def grant_scopes(self, identity, options) -> None:
        """Grants that later capabilities add (namespaces, organization subtrees)."""
        if options["org"]:
            subtrees_grant(identity=identity, paths=options["org"])
        if options["namespace"]:
            api_client_namespaces_grant(identity=identity, codes=options["namespace"])
