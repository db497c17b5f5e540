"""The catalogs' starting rows: identity roles ranked 1..n, salutations, identity providers and
bank branches (ids 1 and 2 of each exist, as the specs' samples name them). Created in order
on empty tables, so the ids are 1, 2, … on every database and the sequences stay in step."""

from django.db import migrations

ROLES = [
    ("administrator", "Administrator"),
    ("supervisor", "Supervisor"),
    ("advisor", "Advisor"),
    ("assistant", "Assistant"),
]
SALUTATIONS = ["Mr", "Ms", "Mrs", "Dr"]
PROVIDERS = ["Tessera", "External (OpenID Connect)"]
BRANCHES = [("Head office", None), ("Branch office", None)]


def seed(apps, schema_editor):
    role = apps.get_model("identities", "IdentityRole")
    for level, (key, name) in enumerate(ROLES, start=1):
        role.objects.get_or_create(key=key, defaults={"name": name, "hierarchy_level": level})
    for model, names in (("Salutation", SALUTATIONS), ("IdentityProvider", PROVIDERS)):
        for name in names:
            apps.get_model("identities", model).objects.get_or_create(name=name)
    branch = apps.get_model("identities", "BankBranch")
    if not branch.objects.exists():
        for name, country in BRANCHES:
            branch.objects.create(name=name, country_id=country)


class Migration(migrations.Migration):

    dependencies = [("identities", "0006_dfs_identities_and_catalogs")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
