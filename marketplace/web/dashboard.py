"""The first page after signing in."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..services import dashboard, permissions
bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@login_required
def index():
    return render_template("dashboard/index.html", overview=dashboard.overview(current_user),
                           may_write_challenge=permissions.can(current_user, "challenge.create",
                                                               current_user.organisation))
