"""Create an API client: a service account plus an OAuth2 client-credentials application."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit import context as scope
from authorisations.models import NAMESPACES
from authorisations.services.catalog import api_client_namespaces_grant
from identities.services.clients import api_client_create
from orgs.models import SUBTREES
from orgs.services import subtrees_grant


class Command(BaseCommand):
    help = (
        "Create a service account and an OAuth2 confidential client (client-credentials grant) "
        "and print its username, password (HTTP Basic), client_id and client_secret. "
        "A scope flag (--tenant, --namespace, --org) always confines: the client reaches only "
        "what the flags of that kind name, with or without --all-perms."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The client's name (also its service-account username).")
        parser.add_argument(
            "--perm",
            action="append",
            default=[],
            metavar="PERM",
            help="A permission, as app_label.codename or a bare codename such as "
            "AUTHORISATION_VIEW. Repeatable. The global reach permissions "
            "(identities.access_tenant, authorisations.use_namespace, orgs.access_subtree) "
            "reach every object of their kind and cannot be combined with a scope flag of "
            "that kind.",
        )
        parser.add_argument(
            "--all-perms", action="store_true",
            help="Grant every permission, except the global reach permission of each kind a "
            "scope flag names (so the flag still confines).")
        parser.add_argument(
            "--tenant",
            action="append",
            default=[],
            metavar="KEY",
            help="A tenant the client reaches, created if missing (repeatable; the first is "
            "the client's default tenant): it reaches only the tenants named. "
            "Default: the default tenant (every tenant with --all-perms).",
        )
        parser.add_argument(
            "--namespace",
            action="append",
            default=[],
            metavar="CODE",
            help="An authorisation namespace the client uses, created if missing (repeatable; "
            "the first is the client's default): it reaches only the namespaces named. "
            "Without it: none (every namespace with --all-perms).",
        )
        parser.add_argument(
            "--org",
            action="append",
            default=[],
            metavar="PATH",
            help="An organization subtree (CustomerID path such as ORG/SUBORG) the client "
            "reaches (repeatable): it reaches only the subtrees named. Without it: none "
            "(every organization with --all-perms).",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        confined = [realm for realm, flag in ((NAMESPACES, "namespace"), (SUBTREES, "org"))
                    if options[flag]]
        # One transaction: a client whose grants fail (say, a bad namespace code) is not kept.
        with scope.for_command("create_api_client"), transaction.atomic():
            try:
                credentials = api_client_create(
                    name=options["name"],
                    permissions=options["perm"],
                    all_permissions=options["all_perms"],
                    tenant_keys=options["tenant"],
                    confined=confined,
                )
                if options["org"]:
                    subtrees_grant(identity=credentials.identity, paths=options["org"])
                if options["namespace"]:
                    api_client_namespaces_grant(identity=credentials.identity,
                                                codes=options["namespace"])
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
