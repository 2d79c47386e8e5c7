"""Placeholder: this blueprint is being written."""
from flask import Blueprint

bp = Blueprint("account", __name__)


@bp.get("/account")
def settings():
    return "coming soon"
