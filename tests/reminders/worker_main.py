"""A real RQ worker in its own process for the tests: ``python -m tests.reminders.worker_main``.

The app configuration comes as JSON in ``$W7_APP_CONFIG`` (the test's database and Redis);
the test-only kinds and the file channel are registered before the worker starts.
"""
from __future__ import annotations

import json
import os
import sys

from rq import SimpleWorker

import portal.jobs.context as context
from portal import create_app


def main() -> int:
    app = create_app(json.loads(os.environ["W7_APP_CONFIG"]))
    context._app = app
    import tests.reminders.kinds  # noqa: F401

    with app.app_context():
        from portal.jobs import get_queue, redis_connection

        conn = redis_connection()
        queue = get_queue(conn)
    SimpleWorker([queue], connection=conn).work(burst=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
