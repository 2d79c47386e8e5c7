"""Placeholder: this blueprint is being written."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
def index():
    return "coming soon"
