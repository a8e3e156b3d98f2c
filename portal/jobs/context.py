"""An app context for code that runs in the RQ worker, created once per process, lazily
(never at import time)."""
from __future__ import annotations

from contextlib import contextmanager

from flask import has_app_context

_app = None


def get_app():
    global _app
    if _app is None:
        from portal import create_app

        _app = create_app()
    return _app


@contextmanager
def job_context():
    """Reuse the caller's app context (inline runs, tests) or push the worker's own."""
    if has_app_context():
        yield
        return
    with get_app().app_context():
        from portal.extensions import db

        try:
            yield
        finally:
            db.session.remove()
