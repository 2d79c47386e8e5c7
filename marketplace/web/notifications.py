"""The inbox: notices for the signed-in person, read marks, and the one-click unsubscribe from emails."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import csrf
from ..services.messaging import notifications
from ..services.messaging.mail import user_from_unsubscribe_token
from .i18n import speaking_to

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index():
    page = request.args.get("page", 1, type=int) or 1
    items, total = notifications.inbox(current_user, page)
    pages = max(1, -(-total // notifications.PER_PAGE))
    return render_template("notifications/index.html", items=items, page=min(max(page, 1), pages), pages=pages)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id):
    notification = notifications.mark_read(current_user, notification_id)
    if request.form.get("open") and notification.link and notification.link.startswith("/"):
        return redirect(notification.link)
    return redirect(url_for(".index"))


@bp.post("/notifications/read-all")
@login_required
def mark_all_read():
    notifications.mark_all_read(current_user)
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for(".index"))


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof, not a session: mail providers' one-click POST (RFC 8058) has neither
def unsubscribe(token):
    """GET asks, POST does: mail scanners that follow links must not unsubscribe anyone. The same POST serves the
    form on the page and the one-click POST a mail provider sends to the List-Unsubscribe link; repeating it
    changes nothing more. The page speaks the language of the email the link came in, unless the person looking
    chose another. A link that is not genuine (forged, or cut by an email program) gets a page in the visitor's
    language that says so and leads to the notification settings, behind sign-in."""
    user = user_from_unsubscribe_token(token)
    if user is None:
        return render_template("notifications/unsubscribe_invalid.html"), 404
    with force_locale(speaking_to(user)):
        if request.method == "POST":
            notifications.unsubscribe(token)
            return render_template("notifications/unsubscribed.html")
        return render_template("notifications/unsubscribe.html", token=token)
