from flask import Blueprint

bp = Blueprint("revisits", __name__, url_prefix="/revisits")

from portal.blueprints.revisits import views  # noqa: E402,F401  (views and the home-page provider)
import portal.jobs.revisits  # noqa: E402,F401  (registers the daily "revisit_plans" job on the schedule)
import portal.services.revisit_links  # noqa: E402,F401  (purchases, complaints and customer pages)
import portal.services.revisit_reminders  # noqa: E402,F401  (the area's reminders: web and worker both register them)
