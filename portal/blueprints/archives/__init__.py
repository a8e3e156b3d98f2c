from flask import Blueprint

bp = Blueprint("archives", __name__, url_prefix="/archives")

from portal.blueprints.archives import views  # noqa: E402,F401
