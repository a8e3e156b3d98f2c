"""Kept for old imports: the periodic jobs live in ``portal.jobs.reminders``."""
from portal.jobs.reminders import sweep, workorder_check  # noqa: F401
