"""The report's queries run at once over several connections only where that shows the same
figures as one connection would (portal/services/concurrent_reads.py)."""
from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import ProgrammingError

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models import OrgKind, OrgUnit
from portal.services import report_figures as rf
from portal.services.concurrent_reads import connections_for_reads, run_reads
from tests import factories as f
from tests.reports.factories import NOW, OCTOBER, october_data

postgresql_only = pytest.mark.skipif(os.environ.get("PORTAL_TEST_DB", "postgresql") == "sqlite",
                                     reason="other connections: PostgreSQL only")


@pytest.fixture()
def connections(app):
    """Set REPORT_QUERY_CONNECTIONS for one test."""
    before = app.config["REPORT_QUERY_CONNECTIONS"]

    def set_(n: int) -> None:
        app.config["REPORT_QUERY_CONNECTIONS"] = n

    yield set_
    app.config["REPORT_QUERY_CONNECTIONS"] = before


def _backend_pid() -> int:
    return db.session.execute(text("SELECT pg_backend_pid()")).scalar()


@postgresql_only
def test_reads_run_at_once_on_connections_of_their_own(org, connections):
    connections(3)
    db.session.commit()
    assert connections_for_reads() == 3
    together = threading.Barrier(3, timeout=20)

    def read() -> int:
        pid = _backend_pid()  # the read's session holds its connection from here…
        together.wait()  # …while the other two reads hold theirs: none can be a reused one
        return pid

    pids = run_reads({"a": read, "b": read, "c": read})
    assert len(set(pids.values())) == 3


@postgresql_only
def test_a_report_over_three_connections_equals_the_report_over_one(org, connections):
    october_data(org, f.user_with_role(org, Role.CENTER_STAFF))
    connections(1)
    in_order = rf.monthly_report(OCTOBER, rf.Scope(), NOW)
    connections(3)
    threads = set()

    def note_thread(*_):
        threads.add(threading.current_thread().name)

    event.listen(db.engine, "before_cursor_execute", note_thread)
    try:
        at_once = rf.monthly_report(OCTOBER, rf.Scope(), NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", note_thread)
    assert sum(name.startswith("report-read") for name in threads) == 3  # it did run over three
    assert at_once == in_order
    assert at_once["complaints"]["received"] == 6 and at_once["comparison"]["previous"]["complaints"] == 1
    assert at_once["kpis"] == rf.kpis(rf.month_period(OCTOBER), rf.Scope(), NOW)


@postgresql_only
def test_what_the_callers_transaction_wrote_is_read_in_its_own_session(org, connections):
    """Another connection cannot see rows not yet committed: the reads run in the caller's session."""
    connections(3)
    db.session.commit()
    db.session.add(OrgUnit(name="未提交的分公司", kind=OrgKind.BRANCH))
    assert connections_for_reads() == 1  # pending in the session
    db.session.flush()
    assert connections_for_reads() == 1  # flushed: the transaction has written
    found = run_reads({k: (lambda: db.session.scalar(select(func.count()).where(OrgUnit.name == "未提交的分公司")))
                       for k in ("a", "b")})
    assert found == {"a": 1, "b": 1}
    db.session.rollback()
    assert connections_for_reads() == 3  # nothing uncommitted any more


@postgresql_only
def test_changed_or_deleted_objects_not_yet_flushed_keep_the_reads_in_order(org, connections):
    connections(3)
    unit = OrgUnit(name="改名前", kind=OrgKind.BRANCH)
    db.session.add(unit)
    db.session.commit()
    assert connections_for_reads() == 3
    unit.name = "改名后"
    assert connections_for_reads() == 1
    db.session.rollback()
    db.session.delete(unit)
    assert connections_for_reads() == 1
    db.session.rollback()


@postgresql_only
def test_a_repeatable_read_caller_reads_one_snapshot_in_its_own_session(org, connections):
    connections(3)
    db.session.commit()
    db.session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    assert connections_for_reads() == 1
    db.session.rollback()
    assert connections_for_reads() == 3


@postgresql_only
def test_a_failing_query_raises_to_the_caller_and_every_connection_goes_back_to_the_pool(org, connections):
    connections(3)
    db.session.commit()
    db.session.close()
    checked_out = db.engine.pool.checkedout()
    taken = []

    def fails():
        db.session.execute(text("SELECT no_such_column FROM org_unit"))

    def ok(key):
        def _read():
            taken.append(key)
            pid = _backend_pid()
            time.sleep(0.02)  # 40 of these take 0.4 s over two threads; the failure comes first
            return pid
        return _read

    with pytest.raises(ProgrammingError):
        run_reads({"bad": fails, **{str(i): ok(str(i)) for i in range(40)}})
    assert len(taken) < 40  # the threads stopped taking reads after the failure
    assert db.engine.pool.checkedout() == checked_out


def test_one_connection_runs_the_reads_in_order_in_the_callers_session(db, connections):
    connections(1)
    order: list[str] = []
    sessions = set()

    def read(key):
        def _read():
            order.append(key)
            sessions.add(id(db.session()))
            return key.upper()
        return _read

    assert run_reads({k: read(k) for k in ("x", "y", "z")}) == {"x": "X", "y": "Y", "z": "Z"}
    assert order == ["x", "y", "z"] and sessions == {id(db.session())}


def test_sqlite_reads_in_order_and_postgresql_at_once(db, connections):
    connections(3)
    expected = 1 if db.engine.dialect.name == "sqlite" else 3
    db.session.commit()
    assert connections_for_reads() == expected


@pytest.mark.parametrize("n", [1, 3])
def test_a_failing_read_raises_to_the_caller(db, connections, n):
    connections(n)
    db.session.commit()

    def fails():
        raise ValueError("read failed")

    with pytest.raises(ValueError, match="read failed"):
        run_reads({"ok": lambda: 1, "bad": fails, "also_ok": lambda: 2})
