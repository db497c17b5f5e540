"""Indexes the identities table keeps (PostgreSQL)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index")
def test_usernames_have_one_unique_index_and_no_like_index(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = "
                       "'identities_identity' AND indexdef LIKE '%%(username%%'")
        indexes = [row[0] for row in cursor.fetchall()]
    assert len(indexes) == 1 and "UNIQUE" in indexes[0], indexes
