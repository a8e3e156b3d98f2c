from flask import Blueprint

bp = Blueprint("complaints", __name__, url_prefix="/complaints")

from portal.blueprints.complaints import pending, views  # noqa: E402,F401
import portal.services.complaint_links  # noqa: E402,F401  (complaints on the customer archive page)
import portal.services.complaint_reminders  # noqa: E402,F401  (the area's reminders: web and worker both register them)
