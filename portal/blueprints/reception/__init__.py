from flask import Blueprint

bp = Blueprint("reception", __name__, url_prefix="/reception")

from portal.blueprints.reception import pending, views  # noqa: E402,F401  (routes; the home-page cards)
