"""Placeholder: this blueprint is being written."""
from flask import Blueprint

bp = Blueprint("pitches", __name__)


@bp.get("/pitches-placeholder")
def placeholder():
    return "coming soon"
