"""Upgrading an empty database to head gives exactly the models' schema (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from tests.conftest import PG_DB_NAME, ensure_pg_database, pg_url


def _fresh_url(kind, tmp_path):
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    name = f"{PG_DB_NAME}_migrations"
    ensure_pg_database(name)
    engine = sa.create_engine(pg_url(name))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return pg_url(name)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_to_head_matches_models(kind, tmp_path):
    app = create_app({"ENV": "testing", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": _fresh_url(kind, tmp_path),
                      "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, db.metadata)
        assert diff == [], diff
        downgrade(revision="base")
        with db.engine.connect() as conn:
            left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()
        db.engine.dispose()
