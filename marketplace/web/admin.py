"""Platform administration: verifying organisations, suspending abuse, and emails that could not be sent."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from ..services.accounts import accounts
from ..services import permissions
from ..services.messaging import mail
bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/organisations")
@login_required
def organisations():
    permissions.require(current_user, "admin.view")
    only_unverified = request.args.get("show") == "unverified"
    return render_template("admin/organisations.html", only_unverified=only_unverified,
                           organisations=accounts.organisations_for_admin(current_user, only_unverified))


@bp.post("/organisations/<int:organisation_id>/verify")
@login_required
def verify(organisation_id):
    organisation = accounts.verify_organisation(current_user, organisation_id)
    flash(_("%(name)s is verified.", name=organisation.name), "success")
    return redirect(url_for(".organisations"))


@bp.post("/organisations/<int:organisation_id>/suspend")
@login_required
def suspend(organisation_id):
    suspended = request.form.get("suspended", "1") == "1"
    organisation = accounts.suspend_organisation(current_user, organisation_id, suspended)
    flash(_("%(name)s is suspended.", name=organisation.name) if suspended
          else _("%(name)s is no longer suspended.", name=organisation.name), "success")
    return redirect(url_for(".organisations"))


@bp.get("/emails")
@login_required
def emails():
    deliveries, total, queue = mail.failed_for_admin(current_user)
    return render_template("admin/emails.html", deliveries=deliveries, total=total, queue=queue)


@bp.post("/emails/requeue")
@login_required
def requeue_emails():
    """One failed email (delivery_id), or all of them (all=1), queued again."""
    every_failed = request.form.get("all") == "1"
    ids = None if every_failed else request.form.getlist("delivery_id", type=int)
    moved = mail.requeue_for_admin(current_user, ids, every_failed=every_failed)
    if moved:
        flash(ngettext("%(num)d email is queued again.", "%(num)d emails are queued again.", len(moved)), "success")
    else:
        flash(_("No email was queued again: it was sent or queued meanwhile."), "info")
    return redirect(url_for(".emails"))
