"""Independent read-only queries of one page, run at once over several database connections.

The monthly report is about 60 statements, none of which needs another's answer. On one
connection they run one after another while the database server's other core sits idle: at a
million complaints that is about 0.4–1 s of waiting for a leader who opens the report
(bench/HISTORY.md). Here ``REPORT_QUERY_CONNECTIONS`` threads take the query functions in turn, each
thread with an application context of its own, hence a session and a pooled connection of its own.

What the reader sees is what one connection would have shown: under PostgreSQL's READ COMMITTED
every statement sees what was committed when it began, whichever connection runs it. The one
thing another connection cannot see is what the caller's own transaction has written and not yet
committed, so the queries run one after another, in the caller's session, when

- the caller's transaction has written (``pg_current_xact_id_if_assigned()`` is set) or holds
  changes not yet flushed;
- the database is SQLite (the embedded default serves one office; its file takes one writer and
  the gain would be small);
- ``REPORT_QUERY_CONNECTIONS`` is 1 or less;
- the caller's transaction is not READ COMMITTED (under REPEATABLE READ one connection reads a
  single snapshot throughout).

When a query raises, the threads take no further queries; the exception reaches the caller once
the queries already running have finished.
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from flask import current_app
from sqlalchemy import text

from portal.extensions import db

READ_COMMITTED = "read committed"


def connections_for_reads() -> int:
    """How many connections ``run_reads`` may use now (1: the caller's session, in order)."""
    wanted = int(current_app.config.get("REPORT_QUERY_CONNECTIONS", 1) or 1)
    bind = db.session.get_bind()
    if wanted <= 1 or bind.dialect.name != "postgresql":
        return 1
    session = db.session()  # the Session itself, not its scoped proxy
    if session.new or session.dirty or session.deleted:
        return 1
    if session.in_transaction():
        # one round trip for both: has this transaction written, and does each statement take
        # a snapshot of its own (a REPEATABLE READ caller reads one snapshot throughout)
        uncommitted, level = session.execute(text(
            "SELECT pg_current_xact_id_if_assigned() IS NOT NULL, current_setting('transaction_isolation')")).one()
        if uncommitted or level != READ_COMMITTED:
            return 1
    else:
        level = bind.get_execution_options().get("isolation_level") or bind.dialect.default_isolation_level
        if str(level).lower() != READ_COMMITTED:
            return 1
    return wanted


def run_reads(reads: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Call every function of ``reads`` and return their results under the same keys. Put the
    slowest first: they start first."""
    workers = min(connections_for_reads(), len(reads))
    if workers <= 1:
        return {key: read() for key, read in reads.items()}
    app = current_app._get_current_object()
    waiting: queue.SimpleQueue = queue.SimpleQueue()
    for item in reads.items():
        waiting.put(item)
    results: dict[str, Any] = {}
    failed = threading.Event()

    def take_reads() -> None:
        # One app context, so one session and one connection, per thread for all the reads it
        # takes (not one per read: each would cost a checkout, a BEGIN and a ROLLBACK). Its
        # teardown removes the session and returns the connection to the pool.
        with app.app_context():
            while not failed.is_set():
                try:
                    key, read = waiting.get_nowait()
                except queue.Empty:
                    return
                try:
                    results[key] = read()
                except BaseException:
                    failed.set()  # the other threads take no further reads
                    raise

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report-read") as pool:
        threads = [pool.submit(take_reads) for _ in range(workers)]
    for thread in threads:
        thread.result()  # raises a read's exception
    return {key: results[key] for key in reads}
