"""Placeholder: this blueprint is being written."""
from flask import Blueprint

bp = Blueprint("companies", __name__)


@bp.get("/companies-placeholder")
def placeholder():
    return "coming soon"
