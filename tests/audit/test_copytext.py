"""COPY text rows: what a real COPY reads back is what was encoded."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from audit.copytext import copy_field, copy_fields
from audit.models import ChangeRecord

TRICKY = ["", "plain", "tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N",
          "\\.", "ends with backslash\\", "ä ö ☃ 𝄞", "\t\n\r\\"]


@pytest.mark.parametrize("value, text", [
    (None, "\\N"), (True, "t"), (False, "f"), (0, "0"), (7, "7"), (1.5, "1.5"),
    (Decimal("2.50"), "2.50"), (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    (datetime.date(2024, 5, 1), "2024-05-01"),
    (datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC), "2024-05-01T12:00:00+00:00"),
    (ChangeRecord.Action.IMPORT, "import"),  # a choice: its text
    ("a\tb\nc\rd\\e", "a\\tb\\nc\\rd\\\\e"),
])
def test_a_field_is_encoded_as_copy_text(value, text):
    assert copy_field(value) == text
    assert copy_fields((value, "x")) == f"{text}\tx"


@pytest.mark.parametrize("value", [{"a": 1}, ["a"], b"bytes", object()])
def test_a_value_without_a_text_form_is_refused(value):
    with pytest.raises(TypeError):
        copy_field(value)


@pytest.mark.parametrize("values", [tuple(TRICKY), (None, "\\N", None), ("\\", None, "x")])
def test_fast_and_field_by_field_encodings_agree(values):
    assert copy_fields(values) == "\t".join(copy_field(v) for v in values)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_postgresql_reads_back_what_was_encoded():
    rows = [(i, text, None if i % 3 else text) for i, text in enumerate(TRICKY)]
    data = "".join(f"{copy_fields(row)}\n" for row in rows)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE copy_probe (n int, t text, maybe text)")
        with cursor.cursor.copy("COPY copy_probe (n, t, maybe) FROM STDIN") as copy:
            copy.write(data)
        cursor.execute("SELECT n, t, maybe FROM copy_probe ORDER BY n")
        assert cursor.fetchall() == rows


@pytest.mark.parametrize("values", [
    ("a", None, "b"), ("\\N", "tab\there", "back\\slash", None), ("line\nend\r", "\u2028"),
    (None, None), ("",),
])
def test_copy_values_read_back_what_copy_fields_wrote(values):
    from audit.copytext import copy_fields, copy_values

    assert copy_values(copy_fields(values)) == list(values)
