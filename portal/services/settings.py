"""Run-time settings an administrator edits, falling back to the configuration."""
from __future__ import annotations

from flask import current_app

from portal.extensions import db
from portal.models import Setting

# key → configuration name that gives the default
DEFAULTS = {
    "complaint_progress_interval_days": "COMPLAINT_PROGRESS_INTERVAL_DAYS",
}


def get_int(key: str) -> int:
    row = db.session.get(Setting, key)
    if row is not None:
        try:
            return int(row.value)
        except ValueError:
            pass
    return int(current_app.config[DEFAULTS[key]])


def set_value(key: str, value) -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=str(value)))
    else:
        row.value = str(value)
