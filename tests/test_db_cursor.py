"""PostgreSQL cursors describe their results lazily (``extensions.LazyDescriptionCursor``): the
description must still say exactly what psycopg's own says, of the result it was read from."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import LazyDescriptionCursor


@pytest.fixture()
def raw_cursor(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg cursors are PostgreSQL's")
    connection = db.engine.raw_connection()
    try:
        yield connection.driver_connection.cursor()
    finally:
        connection.close()


def _as_tuples(description):
    return [tuple(column) for column in description]


def test_the_portal_s_connections_use_the_lazy_cursor(raw_cursor):
    assert isinstance(raw_cursor, LazyDescriptionCursor)


def test_a_description_says_what_psycopg_s_own_says(raw_cursor):
    import psycopg

    query = "SELECT 1 AS n, 'a'::varchar(7) AS name, now() AS at, NULL::numeric(10, 2) AS price, 2"
    raw_cursor.execute(query)
    lazy = raw_cursor.description
    plain = psycopg.Cursor.description.fget(raw_cursor)  # psycopg's own, on the same result
    assert len(lazy) == len(plain) == 5
    assert _as_tuples(lazy) == _as_tuples(plain)
    assert [c.name for c in lazy] == ["n", "name", "at", "price", "?column?"]
    assert lazy[-1].name == "?column?" and [c.name for c in lazy[1:3]] == ["name", "at"]
    assert lazy[3].type_code == plain[3].type_code and lazy[3].precision == 10 and lazy[3].scale == 2


def test_a_statement_without_rows_has_no_description_and_an_empty_select_has_one(raw_cursor):
    raw_cursor.execute("CREATE TEMPORARY TABLE lazy_probe (id integer)")
    assert raw_cursor.description is None
    raw_cursor.execute("INSERT INTO lazy_probe VALUES (1)")
    assert raw_cursor.description is None
    raw_cursor.execute("SELECT")  # rows of no columns: psycopg describes them as an empty list
    assert raw_cursor.description is not None and len(raw_cursor.description) == 0


def test_a_description_read_before_the_next_statement_keeps_describing_its_own_result(raw_cursor):
    raw_cursor.execute("SELECT 1 AS first_one, 2 AS second_one")
    earlier = raw_cursor.description  # nothing made yet: its columns are made below
    raw_cursor.execute("SELECT 'x' AS other")
    assert [c.name for c in earlier] == ["first_one", "second_one"]
    assert [c.name for c in raw_cursor.description] == ["other"]


def test_sqlalchemy_results_keep_their_keys_and_rows(db):
    # textual SQL has no compiled description to fall back on: SQLAlchemy reads the cursor's
    row = db.session.execute(sa.text("SELECT 7 AS seven, 'seven' AS word")).one()
    assert row._mapping == {"seven": 7, "word": "seven"}
    assert db.session.execute(sa.text("SELECT 1 AS a, 2 AS b")).keys() == ["a", "b"]
