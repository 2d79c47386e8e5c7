"""Placeholder: this blueprint is being written."""
from flask import Blueprint

bp = Blueprint("admin", __name__)


@bp.get("/admin/organisations")
def organisations():
    return "coming soon"
