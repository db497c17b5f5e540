"""Demo tenants, people, memberships, roles and pictures for `manage.py load_demo`
(idempotent: skips what exists).

`link_people` gives people made by a higher app (the CustomerID users of `orgs.demo`, which
calls it after making them) a membership and a picture, so the demo shows the same person on
both surfaces; identities never imports orgs."""

from __future__ import annotations

import base64
import hashlib
import io

from PIL import Image, ImageDraw

from identities.models import (
    BankBranch,
    Identity,
    IdentityRole,
    Member,
    ProfilePicture,
    Salutation,
    Tenant,
)
from identities.services.people import identity_create, person_create
from identities.services.pictures import picture_set
from identities.services.tenants import member_upsert, tenant_create

DEMO_TENANTS = [("acme", "Acme Wealth"), ("globex", "Globex Advisory")]
DEMO_PEOPLE = [("alice", "Alice", "Anderson"), ("bob", "Bob", "Brown")]
# (username, first, last, email, salutation, branch, external id, {tenant: role id})
DFS_PEOPLE = [
    ("carol", "Carol", "Clark", "carol@acme.example", 2, 1, "ACME-0001", {"acme": 2}),
    ("dave", "Dave", "Davis", "dave@acme.example", 1, 2, "ACME-0002", {"acme": 3}),
    ("erin", "Erin", "Evans", "erin@globex.example", 3, 1, "GLX-0001",
     {"globex": 1, "acme": 4}),
]
# alice and bob: memberships of both tenants
MEMBERSHIPS = {"alice": {"acme": 1, "globex": 2}, "bob": {"acme": 3, "globex": 3}}


def picture(initials: str) -> str:
    """A small PNG of a person's initials on a colour taken from them (base64)."""
    red, green, blue = hashlib.sha256(initials.encode()).digest()[:3]
    image = Image.new("RGB", (96, 96), (red // 2 + 64, green // 2 + 64, blue // 2 + 64))
    ImageDraw.Draw(image).text((30, 40), initials, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def _known(model: type, pk: int) -> int | None:
    """A seeded catalog id, or None where the catalog was emptied (a flushed database)."""
    return pk if model.objects.filter(pk=pk).exists() else None


def _initials(identity: Identity) -> str:
    return ((identity.first_name[:1] + identity.last_name[:1]) or identity.username[:2]).upper()


def _member(identity: Identity, key: str, role_id: int, stdout) -> None:
    tenant = Tenant.objects.get(key=key)
    if not Member.objects.filter(tenant=tenant, identity=identity).exists():
        member_upsert(tenant=tenant, identity=identity, role_id=_known(IdentityRole, role_id))
        stdout.write(f"member {identity.username} in {key}")


def _picture(identity: Identity) -> None:
    if not ProfilePicture.objects.filter(identity=identity).exists():
        picture_set(identity=identity, content_base64=picture(_initials(identity)))


def link_people(usernames: list[str], *, tenant: str = "acme", role_id: int = 3,
                stdout) -> None:
    """People that exist by these user names (made elsewhere) become members of `tenant`
    with a picture; a name that names nobody is skipped."""
    for identity in Identity.objects.filter(username__in=usernames):
        _member(identity, tenant, role_id, stdout)
        _picture(identity)


def load(stdout) -> None:
    for key, name in DEMO_TENANTS:
        if not Tenant.objects.filter(key=key).exists():
            tenant_create(key=key, name=name)
            stdout.write(f"tenant {key}")
    for username, first, last in DEMO_PEOPLE:
        if not Identity.objects.filter(username=username).exists():
            person_create(username=username, first_name=first, last_name=last)
            stdout.write(f"identity {username}")
    for username, first, last, email, salutation, branch, external, roles in DFS_PEOPLE:
        if not Identity.objects.filter(username=username).exists():
            first_tenant, first_role = next(iter(roles.items()))
            identity_create(
                tenant=Tenant.objects.get(key=first_tenant), username=username,
                identity_role_id=_known(IdentityRole, first_role), attributes={
                    "first_name": first, "last_name": last, "email": email,
                    "salutation_id": _known(Salutation, salutation),
                    "bank_branch_id": _known(BankBranch, branch),
                    "external_id": external, "phone": "41|522672742"})
            stdout.write(f"identity {username}")
    memberships = {**MEMBERSHIPS, **{person[0]: person[-1] for person in DFS_PEOPLE}}
    for username, roles in memberships.items():
        identity = Identity.objects.get(username=username)
        for key, role_id in roles.items():
            _member(identity, key, role_id, stdout)
        _picture(identity)
