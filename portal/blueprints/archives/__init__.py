from flask import Blueprint

bp = Blueprint("archives", __name__, url_prefix="/archives")

from portal.blueprints.archives import views  # noqa: E402,F401
import portal.services.archive_reminders  # noqa: E402,F401  (the area's reminders: web and worker both register them)
