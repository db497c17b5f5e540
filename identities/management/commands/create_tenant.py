"""Create a tenant of the additiv surfaces (idempotent: an existing one is kept)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit import context as scope
from identities.services.tenants import tenant_ensure


class Command(BaseCommand):
    help = ("Create the tenant KEY (a slug) unless it exists; with --name, name it (an "
            "existing tenant is renamed). Prints the tenant's id and key.")

    def add_arguments(self, parser):
        parser.add_argument("key", help="The tenant key (letters, digits, - and _).")
        parser.add_argument("--name", help="Its display name (default: the key).")

    def handle(self, *args, **options):
        with scope.for_command("create_tenant"), transaction.atomic():
            try:
                tenant, created = tenant_ensure(key=options["key"], name=options["name"])
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
        verb = "created" if created else "exists"
        self.stdout.write(f"tenant {tenant.key} (id {tenant.id}) {verb}")
