"""Placeholder: this blueprint is being written."""
from flask import Blueprint

bp = Blueprint("auth", __name__)


@bp.get("/auth/login")
def login():
    return "coming soon"


@bp.route("/auth/logout", methods=["POST"])
def logout():
    return "coming soon"


@bp.get("/auth/register")
def register():
    return "coming soon"
