"""Placeholder: this blueprint is being written."""
from flask import Blueprint

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
def index():
    return "coming soon"
