"""A tiny run of ``flask bench-seed`` (the benchmark's data loader) on the test database: the COPY
column lists fit the schema, the rows are consistent, and the portal can go on afterwards
(sequences and serial counters moved past the seeded rows). PostgreSQL only: it uses COPY."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from portal.auth import Role
from portal.models import Complaint, Customer, SerialCounter
from portal.models.reception import Contact
from portal.models.revisit import RevisitPlan
from portal.services import serials
from tests import factories as f

pytestmark = pytest.mark.skipif(
    __import__("os").environ.get("PORTAL_TEST_DB", "postgresql") == "sqlite",
    reason="bench-seed loads with PostgreSQL COPY; the SQLite run has nothing to test here")


def test_bench_seed_small_scale_fills_every_table_consistently(app, db, org):
    f.user_with_role(org, Role.CENTER_STAFF)
    result = app.test_cli_runner().invoke(args=["bench-seed", "--scale", "0.0005"])
    assert result.exit_code == 0, result.output
    assert "rebuilding" in result.output and "done in" in result.output

    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 500
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1000
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 100
    assert db.session.scalar(select(func.count()).select_from(RevisitPlan)) > 0
    # every complaint belongs to a matter of its own project and category
    assert db.session.execute(text(
        "SELECT count(*) FROM complaint c JOIN complaint_matter m ON m.id = c.matter_id "
        "WHERE m.project_id <> c.project_id OR m.category_id <> c.category_id")).scalar() == 0
    # a replied contact's first reply is its reply (the response-time KPI reads first_replied_at)
    assert db.session.execute(text(
        "SELECT count(*) FROM reception_contact WHERE replied_at IS NOT NULL")).scalar() > 0
    assert db.session.execute(text(
        "SELECT count(*) FROM reception_contact WHERE first_replied_at IS DISTINCT FROM replied_at")).scalar() == 0
    # the dropped indexes are back
    assert db.session.execute(text(
        "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_complaint_received'")).scalar() == 1
    # the next serial number and the next id continue after the seeded ones
    last = db.session.scalar(select(Complaint).order_by(Complaint.id.desc()).limit(1))
    year = int(last.serial.split("-")[1])
    assert serials.next_serial("TS", year) > last.serial
    assert db.session.execute(text("SELECT nextval(pg_get_serial_sequence('complaint', 'id'))")).scalar() > last.id
    assert db.session.scalar(select(func.count()).select_from(SerialCounter)) >= 2
    db.session.rollback()


def test_bench_seed_refuses_a_second_load_unless_told_to_skip(app, db, org):
    f.user_with_role(org, Role.CENTER_STAFF)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["bench-seed", "--scale", "0.001"]).exit_code == 0
    again = runner.invoke(args=["bench-seed", "--scale", "0.001"])
    assert again.exit_code != 0 and "benchmark data already" in again.output
    skipped = runner.invoke(args=["bench-seed", "--skip-if-seeded"])
    assert skipped.exit_code == 0 and "nothing to do" in skipped.output


def test_the_benchmark_vacuums_what_earlier_runs_churned(app, db, org):
    """Each run starts by vacuuming the tables runs churn: they are all real tables, the VACUUMs
    run outside a transaction (they fail inside one), and the dead rows found are reported."""
    from bench.run import CHURNED_TABLES, vacuum_churned_tables

    assert set(CHURNED_TABLES) <= set(db.metadata.tables)
    db.session.remove()
    report = vacuum_churned_tables(app)
    assert set(report) == {"dead_rows", "seconds"} and report["dead_rows"] >= 0
