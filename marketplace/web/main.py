"""The home page and the health check."""
from flask import Blueprint, current_app, jsonify, render_template

from ..services import health
from ..services.challenges import latest_open_challenges
from .page_cache import cached_for_visitors

bp = Blueprint("main", __name__)


@bp.get("/")
@cached_for_visitors
def home():
    return render_template("main/home.html", challenges=latest_open_challenges(limit=6))


@bp.get("/healthz")
def healthz():
    """200 when the database and the broker both answer, 503 naming the one that does not."""
    healthy, states = health.health(current_app.extensions["celery"].conf.broker_url)
    return jsonify(status="ok" if healthy else "unavailable", **states), 200 if healthy else 503
