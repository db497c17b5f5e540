"""Load demonstration data; idempotent, so `make run` can call it every time.

Each app that has demo data offers `<app>.demo.load(stdout)`; this command calls them in the
order of INSTALLED_APPS.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from audit import context as scope


class Command(BaseCommand):
    help = "Load the demo data (idempotent)."

    def handle(self, *args, **options):
        with scope.for_command("load_demo"):
            for config in apps.get_app_configs():
                module = f"{config.name}.demo"
                if find_spec(config.name) and find_spec(module):
                    with transaction.atomic():
                        import_module(module).load(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
