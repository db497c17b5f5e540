"""Lift a lockout after failed authentication (foundation.api.lockout) before its time is up."""

from django.core.management.base import BaseCommand, CommandError

from audit import context as scope
from foundation.api import lockout


class Command(BaseCommand):
    help = (
        "End the lockouts of an API client's username or client id (--client: at every address "
        "its lockouts were recorded from in the last AUTH_LOCKOUT_SECONDS, and its slowdown) or "
        "of an address (--address) and forget their failed attempts. Each lift is a change "
        "record."
    )

    def add_arguments(self, parser):
        parser.add_argument("--client", action="append", default=[], metavar="ID",
                            help="A username or OAuth2 client id (repeatable).")
        parser.add_argument("--address", action="append", default=[], metavar="ADDR",
                            help="A caller's address, as the API sees it (repeatable).")

    def handle(self, *args, **options):
        targets = ([("client", c) for c in options["client"]]
                   + [("address", a) for a in options["address"]])
        if not targets:
            raise CommandError("Name at least one --client or --address.")
        with scope.for_command("auth_unlock"):
            for kind, value in targets:
                lifted = lockout.lift(kind, value)
                self.stdout.write(f"{kind} {value}: " + ("unlocked" if lifted else "not locked"))
