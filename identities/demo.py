"""Demo tenants and people for `manage.py load_demo`."""

from identities.models import Identity, Tenant
from identities.services import person_create, tenant_create

DEMO_TENANTS = [("acme", "Acme Wealth"), ("globex", "Globex Advisory")]
DEMO_PEOPLE = [("alice", "Alice", "Anderson"), ("bob", "Bob", "Brown")]


def load(stdout) -> None:
    for key, name in DEMO_TENANTS:
        if not Tenant.objects.filter(key=key).exists():
            tenant_create(key=key, name=name)
            stdout.write(f"tenant {key}")
    for username, first, last in DEMO_PEOPLE:
        if not Identity.objects.filter(username=username).exists():
            person_create(username=username, first_name=first, last_name=last)
            stdout.write(f"identity {username}")
