"""Identity, member and token admin: writes go through services and leave change records."""

import pytest
from django.urls import reverse
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from audit.models import ChangeRecord
from identities.models import Identity, Member, Tenant
from identities.services.people import person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", password="pw-Operat0r!", superuser=True))
    return client


def changes_of(obj, action):
    return ChangeRecord.objects.filter(object_id=str(obj.pk), action=action)


def test_identity_add_change_password_and_delete_are_audited(operator):
    response = operator.post(reverse("admin:identities_identity_add"), {
        "username": "carol", "password1": "Xk29-vnq-Plo", "password2": "Xk29-vnq-Plo",
        "usable_password": "true"})
    assert response.status_code == 302, response.content
    carol = Identity.objects.get(username="carol")
    assert changes_of(carol, "create").get().actor_repr == "root"

    response = operator.post(reverse("admin:auth_user_password_change",
                                     args=[carol.pk]),
                             {"password1": "Zz81-new-Pass", "password2": "Zz81-new-Pass",
                              "usable_password": "true"})
    assert response.status_code == 302, response.content
    carol.refresh_from_db()
    assert carol.check_password("Zz81-new-Pass")
    password_change = changes_of(carol, "update").get()
    assert password_change.after == {"password": "*** (changed)"}

    operator.post(reverse("admin:identities_identity_delete", args=[carol.pk]), {"post": "yes"})
    assert not Identity.objects.filter(pk=carol.pk).exists()
    tombstone = changes_of(carol, "delete").get()
    assert tombstone.before["username"] == "carol" and tombstone.before["password"] == "***"


def test_member_add_and_remove_are_audited(operator):
    alice = person_create(username="alice")
    tenant = Tenant.objects.get(key="default")
    response = operator.post(reverse("admin:identities_member_add"),
                             {"tenant": tenant.pk, "identity": alice.pk})
    assert response.status_code == 302, response.content
    member = Member.objects.get(identity=alice)
    assert changes_of(member, "create").exists()
    operator.post(reverse("admin:identities_member_delete", args=[member.pk]), {"post": "yes"})
    assert not Member.objects.exists()
    assert changes_of(member, "delete").get().before["identity"] == str(alice.pk)


def test_tokens_are_revoked_from_the_admin(operator, make_caller):
    caller = make_caller(["audit.add_auditcontext"])
    raw = caller.token()
    token = AccessToken.objects.get()
    response = operator.post(reverse("admin:oauth2_provider_accesstoken_changelist"),
                             {"action": "revoke_tokens", "_selected_action": [token.pk]})
    assert response.status_code == 302
    assert not AccessToken.objects.exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.post("/v1.1/auditcontext/generate", {}, format="json").status_code == 401
    assert ChangeRecord.objects.filter(object_type="oauth2_provider.accesstoken",
                                       action="revoke", actor_repr="root").exists()


# --- picture thumbnails ------------------------------------------------------------------------

def with_picture(username: str, size=(600, 400), kind: str = "JPEG") -> Identity:
    import base64
    import io

    from PIL import Image

    from identities.services.pictures import picture_set

    identity = person_create(username=username)
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, kind)
    picture_set(identity=identity, content_base64=base64.b64encode(out.getvalue()).decode())
    return identity


def picture_url(identity) -> str:
    return reverse("admin:identities_identity_picture", args=[identity.pk])


def test_the_changelist_shows_thumbnails_without_a_query_per_row(operator, count_queries):
    changelist = reverse("admin:identities_identity_changelist")

    def queries_for(count: int) -> int:
        for n in range(count):
            with_picture(f"pic{Identity.objects.count()}-{n}")
        person_create(username=f"plain{Identity.objects.count()}")
        operator.get(changelist)
        with count_queries() as queries:
            response = operator.get(changelist)
        assert response.status_code == 200
        return len(queries)

    assert queries_for(2) == queries_for(30) == CHANGELIST_QUERIES
    page = operator.get(changelist).content.decode()
    identity = Identity.objects.filter(username__startswith="pic").first()
    digest = identity.profile_picture.sha256[:16]
    assert f'src="{picture_url(identity)}?v={digest}"' in page
    assert page.count('loading="lazy"') == 32  # one per pictured identity, none for others


# the session, its user, the count (filtered and total), the page with the picture digests,
# the role filter's choices
CHANGELIST_QUERIES = 6


def test_the_change_page_shows_the_picture_and_the_view_serves_a_small_png(operator):
    import io

    from PIL import Image

    identity = with_picture("pia", size=(2000, 1000))
    page = operator.get(reverse("admin:identities_identity_change", args=[identity.pk]))
    assert f'src="{picture_url(identity)}?v=' in page.content.decode()
    response = operator.get(picture_url(identity))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("PNG", (160, 80))
    plain = person_create(username="plain")
    assert operator.get(picture_url(plain)).status_code == 404
    assert "picture of" not in operator.get(
        reverse("admin:identities_identity_change", args=[plain.pk])).content.decode()
    assert operator.get(picture_url(plain).replace(str(plain.pk), "nope")).status_code == 404


def test_the_picture_view_is_for_operators_who_may_view_identities(client):
    from django.contrib.auth.models import Permission

    identity = with_picture("pia")
    assert client.get(picture_url(identity)).status_code == 302  # to the admin's login
    staff = person_create(username="staff", password="pw-Operat0r!")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get(picture_url(identity)).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_identity"))
    assert client.get(picture_url(identity)).status_code == 200
