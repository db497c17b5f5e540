"""export_users masks national ids and leaves out password hashes unless --include-secrets;
import_users reads both forms (issue 10, defect 10)."""

import csv
import io
import json
import os
import stat

import pytest
from django.core.management import CommandError, call_command

from audit.models import ChangeRecord
from orgs.models import OrgUser
from orgs.services import user_delete
from tests.orgs.conftest import state
from tests.orgs.test_import import ORGS, USERS, run, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tmp_path):
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    run("import_users", write(tmp_path, "u.csv", USERS))  # alice: hetu and a password
    alice = OrgUser.objects.select_related("identity").get(identity__username="alice")
    assert alice.hetu == "131052-308T" and alice.identity.has_usable_password()


def exported(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_users", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def secrets_of_users() -> dict:
    return {u.uid: (u.hetu, u.identity.password)
            for u in OrgUser.objects.select_related("identity")}


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_the_default_export_masks_hetu_and_has_no_password_hashes(people, fmt):
    text, err = exported("--format", fmt)
    assert "131052-****" in text
    assert "308T" not in text and "pwd_hash" not in text and "md5$" not in text
    assert "--include-secrets" not in err
    if fmt == "csv":
        header = next(csv.reader(io.StringIO(text)))
        assert "hetu" in header and "pwd_hash" not in header and "pwd" not in header
    else:
        alice = next(json.loads(line) for line in text.splitlines() if '"alice"' in line)
        assert alice["hetu"] == "131052-****" and "pwd_hash" not in alice


def test_include_secrets_writes_an_owner_only_file_that_restores_users(people, tmp_path):
    target = tmp_path / "users.csv"
    _, err = exported("--include-secrets", "-o", str(target))
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert "national ids (hetu) and password hashes" in err and "0600" in err
    text = target.read_text()
    assert "131052-308T" in text and "md5$" in text
    secrets = secrets_of_users()
    for user in OrgUser.objects.all():
        user_delete(user=user)
    assert not OrgUser.objects.exists()
    assert "3 created" in run("import_users", str(target))
    assert secrets_of_users() == secrets  # the same hashes, the same national ids
    assert OrgUser.objects.get(identity__username="alice").identity.check_password("Secret-1")


def test_include_secrets_to_stdout_warns(people):
    out, err = exported("--include-secrets")
    assert "131052-308T" in out and "written in clear to standard output" in err


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_a_masked_export_reimports_over_its_users_changing_nothing(people, tmp_path, fmt):
    target = tmp_path / f"users.{fmt}"
    call_command("export_users", "--format", fmt, "-o", str(target), stderr=io.StringIO())
    before, secrets = state(), secrets_of_users()
    assert "0 created, 0 updated, 3 unchanged" in run("import_users", str(target))
    assert state() == before and secrets_of_users() == secrets  # not even a change record


def test_a_masked_hetu_keeps_the_stored_one_while_other_columns_change(people, tmp_path):
    path = write(tmp_path, "u.csv", "organization,uid,hetu,mobile\nacme,alice,131052-****,0401\n")
    records = ChangeRecord.objects.count()
    assert "1 updated" in run("import_users", path)
    alice = OrgUser.objects.get(identity__username="alice")
    assert (alice.hetu, alice.mobile) == ("131052-308T", "0401")
    assert ChangeRecord.objects.count() == records + 1


def test_a_masked_hetu_for_a_new_user_is_a_bad_row(people, tmp_path):
    before = state()
    path = write(tmp_path, "u.csv", "organization,uid,hetu\nacme,zoe,010101-****\n")
    with pytest.raises(CommandError) as raised:
        run("import_users", path)
    assert "line 2: hetu is masked" in str(raised.value)
    assert state() == before
