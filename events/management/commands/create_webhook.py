"""Create a webhook subscription and print its id and signing secret (shown once)."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audit import context as scope
from events.webhooks.subscriptions import webhook_create


class Command(BaseCommand):
    help = ("Subscribe URL to the change events: each event is POSTed to it as a CloudEvent, "
            "signed per Standard Webhooks with the secret printed (shown only this once). "
            "The URL must resolve to public addresses only, unless WEBHOOK_ALLOW_PRIVATE=1.")

    def add_arguments(self, parser):
        parser.add_argument("name", help="A unique name for the subscription.")
        parser.add_argument("--url", required=True, help="http:// or https:// URL to POST to.")
        parser.add_argument("--types", nargs="+", default=[], metavar="PATTERN",
                            help="Glob patterns over the event type, e.g. "
                                 "'tessera.authorisation.*' '*.deleted' (default: every type).")
        parser.add_argument("--namespace", default="", metavar="NS",
                            help="Only events of that authorisation namespace.")
        parser.add_argument("--org", default="", metavar="PATH",
                            help="Only events of that organization's subtree.")
        parser.add_argument("--tenant", default="", metavar="KEY",
                            help="Only events of that tenant.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        with scope.for_command("create_webhook"):
            try:
                made = webhook_create(name=options["name"], url=options["url"],
                                      types=options["types"], namespace=options["namespace"],
                                      org_path=options["org"], tenant=options["tenant"])
            except ValidationError as error:
                raise CommandError("; ".join(
                    f"{field}: {' '.join(messages)}"
                    for field, messages in error.message_dict.items())) from error
        if options["json"]:
            self.stdout.write(json.dumps({"id": made.webhook.pk, "secret": made.secret}))
            return
        self.stdout.write(f"id: {made.webhook.pk}\nsecret: {made.secret}")
        self.stdout.write(self.style.WARNING("The secret is shown only this once."))
