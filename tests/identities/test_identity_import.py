"""import_identities / export_identities: upsert by ExternalId or UserName, memberships,
dry run, line-numbered errors, all or nothing, secrets, round trip."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from audit.models import ChangeRecord
from identities.models import Identity, Member, Tenant
from identities.services.clients import api_client_create
from identities.services.tenants import tenant_create

pytestmark = pytest.mark.django_db

HEADER = ("UserName,ExternalId,FirstName,LastName,Email,SalutationId,BankBranchId,"
          "IdentityRoleId,IsSignInEnabled,Memberships\n")


@pytest.fixture(autouse=True)
def acme():
    return tenant_create(key="acme", name="Acme")


def run(tmp_path, content: str, *args, name="in.csv") -> str:
    path = tmp_path / name
    path.write_text(content)
    out = io.StringIO()
    call_command("import_identities", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def export(*args) -> str:
    out = io.StringIO()
    call_command("export_identities", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


ROWS = (HEADER
        + "ada,EX-1,Ada,Adams,ada@example.com,2,1,3,true,acme:3;default:1:disabled\n"
        + "bob,,Bob,Brown,,,,,false,\n")


def test_import_creates_identities_and_memberships(tmp_path):
    assert "2 created" in run(tmp_path, ROWS)
    ada = Identity.objects.get(username="ada")
    assert (ada.external_id, ada.first_name, ada.salutation_id, ada.bank_branch_id,
            ada.identity_role_id, ada.is_active, ada.identity_provider_id) == (
        "EX-1", "Ada", 2, 1, 3, True, 1)
    assert not ada.has_usable_password()
    members = {m.tenant.key: (m.identity_role_id, m.is_enabled)
               for m in Member.objects.filter(identity=ada)}
    assert members == {"acme": (3, True), "default": (1, False)}
    assert Identity.objects.get(username="bob").is_active is False
    assert ChangeRecord.objects.filter(object_type="identities.identity",
                                       action="create").count() == 2
    assert ChangeRecord.objects.filter(object_type="identities.member").count() == 2


def test_upsert_by_external_id_then_user_name(tmp_path):
    run(tmp_path, ROWS)
    again = HEADER + "ada2,EX-1,Ada,Adams,ada@example.com,2,1,3,true,acme:2\nbob,EX-2,,,,,,,,\n"
    assert "2 updated" in run(tmp_path, again)
    ada = Identity.objects.get(external_id="EX-1")
    assert ada.username == "ada2"  # renamed: matched by its external id
    assert Member.objects.get(identity=ada, tenant__key="acme").identity_role_id == 2
    assert Identity.objects.get(username="bob").external_id == "EX-2"


def test_reimport_of_the_same_file_changes_nothing(tmp_path):
    run(tmp_path, ROWS)
    records = ChangeRecord.objects.count()
    assert "2 unchanged" in run(tmp_path, ROWS)
    assert ChangeRecord.objects.count() == records


def test_absent_columns_keep_and_empty_cells_clear(tmp_path):
    run(tmp_path, ROWS)
    run(tmp_path, "UserName,Email\nada,\n")
    ada = Identity.objects.get(username="ada")
    assert (ada.email, ada.first_name, ada.external_id) == ("", "Ada", "EX-1")


def test_dry_run_writes_nothing(tmp_path):
    assert "dry run, nothing written: 2 rows: 2 created" in run(tmp_path, ROWS, "--dry-run")
    assert not Identity.objects.filter(username__in=["ada", "bob"]).exists()


@pytest.mark.parametrize("row, message", [
    ("b d,,,,,,,,,", "line 3: UserName"),
    ("carl,,,,not-an-email,,,,,", "line 3: Email"),
    ("carl,,,,,9,,,,", "line 3: SalutationId: no such entry"),
    ("carl,,,,,,,,,nowhere:1", "line 3: Memberships: no tenant 'nowhere'"),
    ("carl,,,,,,,,,acme:99", "line 3: Memberships: no identity role 99"),
    ("carl,,,,,,,,,acme", "line 3: Memberships"),
    ("carl,,,,,,,,maybe,", "line 3: IsSignInEnabled"),
    ("ada,EX-9,,,,,,,,", None),  # ada by user name, taking a new external id: fine
    ("carl,EX-1,,,,,,,,", "line 3: ExternalId: 'EX-1' is another row's"),
    (",EX-7,,,,,,,,", "line 3: UserName: a new identity needs one"),
])
def test_a_bad_row_is_reported_by_line_and_nothing_is_written(tmp_path, row, message):
    content = HEADER + "ada,EX-1,Ada,,,,,,,\n" + row + "\n"
    if message is None:
        with pytest.raises(CommandError):  # ada twice: EX-1 then EX-9 in one file
            run(tmp_path, content)
        return
    with pytest.raises(CommandError) as failed:
        run(tmp_path, content)
    assert message in str(failed.value) and "nothing imported" in str(failed.value)
    assert not Identity.objects.filter(username="ada").exists()


def test_a_user_name_of_a_stored_identity_is_refused_for_another(tmp_path):
    run(tmp_path, ROWS)
    with pytest.raises(CommandError, match="line 2: UserName: 'bob' is another identity's"):
        run(tmp_path, HEADER + "bob,EX-1,,,,,,,,\n")


def test_service_accounts_and_operators_are_not_imported(tmp_path):
    client = api_client_create(name="robot", permissions=[])
    with pytest.raises(CommandError, match="line 2: not a person"):
        run(tmp_path, f"UserName,FirstName\n{client.username},Evil\n")


def test_unknown_columns_are_refused(tmp_path):
    with pytest.raises(CommandError, match="line 1: unknown column"):
        run(tmp_path, "UserName,Nick\nada,x\n")


def test_export_masks_password_hashes_unless_asked(tmp_path):
    run(tmp_path, ROWS)
    ada = Identity.objects.get(username="ada")
    ada.set_password("A-long-enough-pass.1")
    ada.save()
    plain = export()
    assert "PasswordHash" not in plain and "argon2" not in plain
    assert ada.password in export("--include-secrets")


@pytest.mark.parametrize("fmt, name", [("csv", "out.csv"), ("ndjson", "out.ndjson")])
def test_round_trip(tmp_path, fmt, name):
    run(tmp_path, ROWS)
    ada = Identity.objects.get(username="ada")
    ada.set_password("A-long-enough-pass.1")
    ada.save()
    before = {i.username: (i.external_id, i.first_name, i.email, i.salutation_id,
                           i.is_active, i.password) for i in Identity.objects.filter(
        username__in=["ada", "bob"])}
    members = sorted(Member.objects.filter(identity__username__in=["ada", "bob"])
                     .values_list("identity__username", "tenant__key", "identity_role_id",
                                  "is_enabled"))
    dumped = export("--format", fmt, "--include-secrets")
    if fmt == "ndjson":
        assert json.loads(dumped.splitlines()[0])["UserName"]
    # the same file over the same data changes nothing
    assert "unchanged" in run(tmp_path, dumped, name=name)
    assert ChangeRecord.objects.filter(action="update").count() == 0
    # into an empty registry: the same identities, memberships and hashes
    Member.objects.all().delete()
    Identity.objects.filter(username__in=["ada", "bob"]).delete()
    assert "2 created" in run(tmp_path, dumped, name=name)
    after = {i.username: (i.external_id, i.first_name, i.email, i.salutation_id,
                          i.is_active, i.password) for i in Identity.objects.filter(
        username__in=["ada", "bob"])}
    assert after == before
    assert sorted(Member.objects.filter(identity__username__in=["ada", "bob"])
                  .values_list("identity__username", "tenant__key", "identity_role_id",
                               "is_enabled")) == members
    assert Tenant.objects.filter(key="acme").exists()


def test_a_member_without_a_role_round_trips_as_role_0(tmp_path):
    run(tmp_path, HEADER + "ada,,,,,,,,,acme:0\n")
    member = Member.objects.get(identity__username="ada", tenant__key="acme")
    assert member.identity_role_id is None
    assert "acme:0" in export()
    records = ChangeRecord.objects.count()
    assert "unchanged" in run(tmp_path, export(), name="again.csv")
    assert ChangeRecord.objects.count() == records
