"""The home page, the language switcher and the health check."""
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from ..extensions import csrf, limiter
from ..services import health
from ..services.challenges.challenges import latest_open_challenges
from .auth import safe_next
from .i18n import SWITCH, remember_language
from .page_cache import cached_for_visitors

bp = Blueprint("main", __name__)


@bp.get("/")
@cached_for_visitors
def home():
    return render_template("main/home.html", challenges=latest_open_challenges(limit=6))


@bp.post("/language")
@csrf.exempt  # checked in remember_language for signed-in people; a visitor's choice lives only in their own session
def set_language():
    """The header's language switcher: remember the choice, then show the same page in that language."""
    remember_language(request.form.get(SWITCH) or request.form.get("locale"))
    return redirect(safe_next(request.form.get("next")) or url_for(".home"))


@bp.get("/healthz")
def healthz():
    """200 when the database and the broker both answer, 503 naming the one that does not; `rate_limits` says
    whether the limits are shared through Redis ("ok"), per process by configuration ("memory") or per process
    because Redis does not answer ("fallback": sign-in still works, so the answer stays 200)."""
    healthy, states = health.health(current_app.extensions["celery"].conf.broker_url, limiter)
    return jsonify(status="ok" if healthy else "unavailable", **states), 200 if healthy else 503
