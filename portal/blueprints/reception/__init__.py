from flask import Blueprint

bp = Blueprint("reception", __name__, url_prefix="/reception")

from portal.blueprints.reception import pending, views  # noqa: E402,F401  (routes; the home-page cards)
import portal.services.reception_reminders  # noqa: E402,F401  (reply, emergency and 16:00 reminders)
import portal.services.reception_links  # noqa: E402,F401  (contacts on the customer archive page)
