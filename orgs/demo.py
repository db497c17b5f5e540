"""Demo organization tree for `manage.py load_demo` (idempotent: skips what exists)."""

from identities.demo import link_people
from orgs import services
from orgs.models import Organization, OrgUser, Role
from orgs.services import UserFields

TREE = [
    # (path, friendlyName, type, virtual)
    ("1234567-8", "Example Company", "company", False),
    ("1234567-8/sales", "Sales", "department", False),
    ("1234567-8/sales/north", "Sales North", "department", False),
    ("1234567-8/support", "Support", "department", False),
    ("partners", "Partner network", "", True),
    ("partners/resellers", "Resellers", "", True),
]
USERS = [
    ("1234567-8", "maija", "Maija", "Meikäläinen", "maija@example.com"),
    ("1234567-8/sales", "matti", "Matti", "Meikäläinen", "matti@example.com"),
    ("1234567-8/support", "teppo", "Teppo", "Testaaja", "teppo@example.com"),
]


def load(stdout) -> None:
    for path, name, org_type, virtual in TREE:
        if Organization.objects.filter(path=path).exists():
            continue
        parent_path, _, org_id = path.rpartition("/")
        parent = Organization.objects.get(path=parent_path) if parent_path else None
        services.organization_create(parent=parent, organization_id=org_id, friendly_name=name,
                                     organization_type=org_type, virtual=virtual)
        stdout.write(f"organization {path}")
    resellers = Organization.objects.get(path="partners/resellers")
    if not Role.objects.filter(organization=resellers, name="Reseller").exists():
        services.role_put(organization=resellers, name="Reseller")
    for org_path, uid, first, last, email in USERS:
        if OrgUser.objects.filter(identity__username=uid).exists():
            continue
        org = Organization.objects.get(path=org_path)
        user = services.user_create(organization=org, data=UserFields(
            uid=uid, firstname=first, surname=last, email=email))
        role = Role.objects.filter(organization__path="1234567-8",
                                   name="OrganizationUser").first()
        if role:
            services.assignment_create(user=user, role=role)
        stdout.write(f"user {uid}")
    matti = OrgUser.objects.get(identity__username="matti")
    reseller = Role.objects.get(organization=resellers, name="Reseller")
    if not matti.assignments.filter(role=reseller).exists():
        services.assignment_create(user=matti, role=reseller)
    # the CustomerID users are people of the additiv surfaces too: members of acme, pictures
    link_people([uid for _, uid, *_ in USERS], stdout=stdout)
