"""import_users writes nothing for rows that change nothing: a password in clear that
verifies against the stored hash keeps it, and a new hetu is a change though the change log
shows both masked (issue 10, defect 9)."""

import pytest
from django.contrib.auth.hashers import check_password

from audit.models import ChangeRecord
from orgs.models import OrgUser
from tests.orgs.conftest import state
from tests.orgs.test_import import ORGS, run, write

pytestmark = pytest.mark.django_db
HEADER = "organization,uid,email,hetu,pwd\n"


def users(n: int, *, changed: int | None = None) -> str:
    return HEADER + "".join(
        f"acme,u{i},u{i}@example.com,131052-308T,{'New' if i == changed else 'Pw'}-{i}\n"
        for i in range(n))


def test_reimporting_users_with_passwords_records_nothing_and_one_new_password_one(tmp_path):
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    assert "10 created" in run("import_users", write(tmp_path, "u.csv", users(10)))
    hashes = dict(OrgUser.objects.values_list("identity__username", "identity__password"))
    before = state()
    assert "0 created, 0 updated, 10 unchanged" in run("import_users",
                                                       write(tmp_path, "u.csv", users(10)))
    assert state() == before  # no change record, the same hashes
    records = ChangeRecord.objects.count()
    assert "0 created, 1 updated, 9 unchanged" in run(
        "import_users", write(tmp_path, "u2.csv", users(10, changed=3)))
    assert ChangeRecord.objects.count() == records + 1
    change = ChangeRecord.objects.latest("id")
    assert (change.action, change.object_repr.split("/")[0]) == ("update", "acme")
    now = dict(OrgUser.objects.values_list("identity__username", "identity__password"))
    assert {uid for uid in hashes if now[uid] != hashes[uid]} == {"u3"}
    assert check_password("New-3", now["u3"])


def test_a_new_hetu_through_the_import_is_written_and_recorded(tmp_path):
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    run("import_users", write(tmp_path, "u.csv", "organization,uid,hetu\nacme,ann,131052-308T\n"))
    records = ChangeRecord.objects.count()
    out = run("import_users", write(tmp_path, "u2.csv", "organization,uid,hetu\nacme,ann,"
                                                       "010101A123N\n"))
    assert "1 updated" in out
    assert OrgUser.objects.get(identity__username="ann").hetu == "010101A123N"
    assert ChangeRecord.objects.count() == records + 1


def test_each_password_is_hashed_once_when_a_batch_is_retried(tmp_path, monkeypatch):
    """A row refused while its batch is applied retries the batch without it: the hashes
    (one Argon2 computation each) made for the other rows are not made again."""
    import orgs.user_import

    made = []
    real = orgs.user_import.make_password
    monkeypatch.setattr(orgs.user_import, "make_password",
                        lambda pwd: made.append(pwd) or real(pwd))
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    text = users(4) + "nowhere,zed,,,Pw-z\n"
    out = run("import_users", write(tmp_path, "u.csv", text), "--skip-bad-rows")
    assert "4 created" in out and "1 invalid" in out
    assert sorted(made) == ["Pw-0", "Pw-1", "Pw-2", "Pw-3"]
    made.clear()
    text = users(4, changed=1) + "nowhere,zed,,,Pw-z\n"
    assert "1 updated, 3 unchanged" in run("import_users", write(tmp_path, "u2.csv", text),
                                           "--skip-bad-rows")
    assert made == ["New-1"]


@pytest.mark.real_hashers
def test_with_argon2_a_reimport_keeps_the_hashes(tmp_path):
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    run("import_users", write(tmp_path, "u.csv", users(2)))
    hashes = dict(OrgUser.objects.values_list("identity__username", "identity__password"))
    assert all(h.startswith("argon2$") for h in hashes.values())
    before = state()
    assert "2 unchanged" in run("import_users", write(tmp_path, "u.csv", users(2)))
    assert state() == before
