"""The written-out permission backend answers what Django's ModelBackend answers, live."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from foundation.backends import WrittenOutModelBackend
from identities.models import Identity

pytestmark = pytest.mark.django_db
CHECK = "/api/rest/v1/authorisation/check"
PARAMS = {"subject": "a", "object": "b", "authType": "c"}


def perm(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


def fresh(identity) -> Identity:
    return Identity.objects.get(pk=identity.pk)


def answers(identity) -> tuple:
    return tuple(
        (backend.get_user_permissions(fresh(identity)),
         backend.get_group_permissions(fresh(identity)),
         backend.get_all_permissions(fresh(identity)))
        for backend in (WrittenOutModelBackend(), ModelBackend()))


def test_same_answers_as_model_backend_for_user_group_inactive_and_superuser(make_caller):
    identity = make_caller(["AUTHORISATION_VIEW"]).identity
    group = Group.objects.create(name="editors")
    group.permissions.add(perm("AUTHORISATION_CREATE"), perm("AUTHORISATION_VIEW"))
    identity.groups.add(group)
    ours, django = answers(identity)
    assert ours == django
    assert ours[0] == {"authorisations.AUTHORISATION_VIEW"}
    assert ours[1] == {"authorisations.AUTHORISATION_CREATE", "authorisations.AUTHORISATION_VIEW"}
    Identity.objects.filter(pk=identity.pk).update(is_active=False)
    ours, django = answers(identity)
    assert ours == django and ours[2] == set()
    Identity.objects.filter(pk=identity.pk).update(is_active=True, is_superuser=True)
    ours, django = answers(identity)
    assert ours == django and len(ours[2]) == Permission.objects.count()
    assert WrittenOutModelBackend().get_all_permissions(fresh(identity), obj=group) == set()


def test_revoked_permission_stops_working_on_the_next_request(make_caller):
    caller = make_caller(["AUTHORISATION_VIEW"])
    api = caller.bearer()
    assert api.get(CHECK, PARAMS).status_code == 200
    caller.identity.user_permissions.remove(perm("AUTHORISATION_VIEW"))
    assert api.get(CHECK, PARAMS).status_code == 403


def test_group_permission_granted_and_revoked_counts_at_once(make_caller):
    caller = make_caller([])
    api = caller.bearer()
    assert api.get(CHECK, PARAMS).status_code == 403
    group = Group.objects.create(name="viewers")
    group.permissions.add(perm("AUTHORISATION_VIEW"))
    caller.identity.groups.add(group)
    assert api.get(CHECK, PARAMS).status_code == 200
    group.permissions.remove(perm("AUTHORISATION_VIEW"))
    assert api.get(CHECK, PARAMS).status_code == 403


def test_bearer_token_of_a_deactivated_client_is_refused_at_once(make_caller):
    caller = make_caller(["AUTHORISATION_VIEW"])
    api = caller.bearer()
    assert api.get(CHECK, PARAMS).status_code == 200
    Identity.objects.filter(pk=caller.identity.pk).update(is_active=False)
    assert api.get(CHECK, PARAMS).status_code == 401
