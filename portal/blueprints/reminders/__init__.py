"""Reminders: each user's e-mail choices, and the administrator's view of the queues."""
from flask import Blueprint

bp = Blueprint("reminders", __name__)

from portal.blueprints.reminders import views  # noqa: E402,F401
