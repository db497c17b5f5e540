"""Indexes the identities table keeps (PostgreSQL)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index")
def test_usernames_have_one_unique_index_and_no_like_index(db):
    """One btree (the unique one), no varchar_pattern_ops twin; the search's trigram index
    (identities 0008, on UPPER(username)) is another kind."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = "
                       "'identities_identity' AND indexdef LIKE '%%username%%'")
        indexes = [row[0] for row in cursor.fetchall()]
    btree = [i for i in indexes if "USING btree" in i]
    assert len(btree) == 1 and "UNIQUE" in btree[0], indexes
    assert [i for i in indexes if "gin_trgm_ops" in i] == [
        i for i in indexes if i not in btree], indexes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes")
def test_the_search_columns_have_trigram_indexes(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = "
                       "'identities_identity' AND indexdef LIKE '%%gin_trgm_ops%%'")
        names = {row[0] for row in cursor.fetchall()}
    assert names == {f"identity_{c}_trgm" for c in ("first_name", "last_name", "username",
                                                    "email", "full_name")}
