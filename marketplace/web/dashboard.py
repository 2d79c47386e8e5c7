"""The first page after signing in."""
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from ..models.challenge import CHALLENGE_STATUSES
from ..services import dashboard, permissions
from ..services.challenges import lifecycle
bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@login_required
def index():
    """`?page=` pages through the agency's challenges, `?status=` keeps those of one status, `?pilots_page=` pages
    through the pilots; anything unknown is ignored (the first page, every status), a page past the last shows the
    last."""
    # The person themselves, not the proxy: the work list asks `permissions` several times per challenge, and
    # each attribute read through the proxy costs more than the rule (25 ms for 100 challenges instead of 2).
    overview = dashboard.overview(current_user._get_current_object(), page=request.args.get("page", 1, type=int),
                                  status=request.args.get("status"),
                                  per_page=current_app.config["DASHBOARD_CHALLENGES_PER_PAGE"],
                                  pilots_page_number=request.args.get("pilots_page", 1, type=int),
                                  pilots_per_page=current_app.config["DASHBOARD_PILOTS_PER_PAGE"])
    return render_template("dashboard/index.html", overview=overview,
                           status_choices=[(s, lifecycle.status_label(s)) for s in CHALLENGE_STATUSES],
                           may_write_challenge=permissions.can(current_user, "challenge.create",
                                                               current_user.organisation))
