"""Placeholder: this blueprint is being written."""
from flask import Blueprint

bp = Blueprint("challenges", __name__)


@bp.get("/challenges")
def index():
    return "coming soon"


@bp.get("/challenges/<slug>")
def detail(slug):
    return "coming soon"
