"""The home page and the health check."""
from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from ..extensions import db
from ..services.challenges import latest_open_challenges

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return render_template("main/home.html", challenges=latest_open_challenges(limit=6))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # any failure means "not healthy"; say which
        db.session.rollback()
        database = f"error: {exc.__class__.__name__}"
    healthy = database == "ok"
    return jsonify(status="ok" if healthy else "unavailable", database=database), 200 if healthy else 503
