"""Independent read-only queries of one page, run at once over several database connections.

The monthly report is about 60 statements, none of which needs another's answer. On one
connection they run one after another while the database server's other core sits idle: at a
million complaints that is about 0.4–1 s of waiting for a leader who opens the report (README
"Benchmark"). Here each query function runs in a thread of its own with an application context
of its own, hence a session and a pooled connection of its own, ``REPORT_QUERY_CONNECTIONS`` at a
time.

What the reader sees is what one connection would have shown: under PostgreSQL's READ COMMITTED
every statement sees what was committed when it began, whichever connection runs it. The one
thing another connection cannot see is what the caller's own transaction has written and not yet
committed, so the queries run one after another, in the caller's session, when

- the caller's transaction has written (``pg_current_xact_id_if_assigned()`` is set) or holds
  changes not yet flushed;
- the database is SQLite (the embedded default serves one office; its file takes one writer and
  the gain would be small);
- ``REPORT_QUERY_CONNECTIONS`` is 1 or less.

An exception raised by any query is raised to the caller, after the others have finished.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from flask import current_app
from sqlalchemy import text

from portal.extensions import db


def connections_for_reads() -> int:
    """How many connections ``run_reads`` may use now (1: the caller's session, in order)."""
    wanted = int(current_app.config.get("REPORT_QUERY_CONNECTIONS", 1) or 1)
    if wanted <= 1 or db.session.get_bind().dialect.name != "postgresql":
        return 1
    session = db.session()  # the Session itself, not its scoped proxy
    if session.new or session.dirty or session.deleted:
        return 1
    if session.in_transaction():
        uncommitted = session.execute(text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")).scalar()
        if uncommitted:
            return 1
    return wanted


def run_reads(reads: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Call every function of ``reads`` and return their results under the same keys. Put the
    slowest first: they start first."""
    workers = min(connections_for_reads(), len(reads))
    if workers <= 1:
        return {key: read() for key, read in reads.items()}
    app = current_app._get_current_object()

    def in_own_context(read: Callable[[], Any]) -> Any:
        # the app context's teardown removes its session and returns the connection to the pool
        with app.app_context():
            return read()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report-read") as pool:
        futures = {key: pool.submit(in_own_context, read) for key, read in reads.items()}
    return {key: future.result() for key, future in futures.items()}
