"""`ensure_admin` (run by `make run`): creates `admin` once, says how to reset its password."""

from io import StringIO

import pytest
from django.core.management import call_command

from identities.models import Identity

pytestmark = pytest.mark.django_db


def test_creates_admin_once_and_says_how_to_reset(monkeypatch):
    monkeypatch.delenv("TESSERA_ADMIN_PASSWORD", raising=False)
    first = StringIO()
    call_command("ensure_admin", stdout=first)
    lines = first.getvalue().splitlines()
    password = lines[0].split("password: ")[1].split()[0]
    assert Identity.objects.get(username="admin").check_password(password)
    assert "changepassword admin" in lines[-1]
    again = StringIO()
    call_command("ensure_admin", stdout=again)
    assert "exists" in again.getvalue() and "changepassword admin" in again.getvalue()
    assert Identity.objects.filter(username="admin").count() == 1
