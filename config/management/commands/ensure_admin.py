"""Make sure the operator account `admin` exists (used by `make run`)."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from audit import context as scope
from identities.services.people import person_create

RESET = "To set a new password: .venv/bin/python manage.py changepassword admin"


class Command(BaseCommand):
    help = (
        "Create the superuser 'admin' if it is missing, with the password from "
        "TESSERA_ADMIN_PASSWORD or a generated one printed once."
    )

    def handle(self, *args, **options):
        identity_model = get_user_model()
        if identity_model.objects.filter(username="admin").exists():
            self.stdout.write(f"Superuser 'admin' exists. {RESET}")
            return
        password = os.environ.get("TESSERA_ADMIN_PASSWORD") or secrets.token_urlsafe(16)
        with scope.for_command("ensure_admin"):
            person_create(username="admin", password=password, superuser=True)
        if os.environ.get("TESSERA_ADMIN_PASSWORD"):
            self.stdout.write("Created superuser 'admin' with TESSERA_ADMIN_PASSWORD.")
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Created superuser 'admin' with password: {password}  (shown only once)"
                )
            )
            self.stdout.write(RESET)
