"""Platform administration: verifying organisations and suspending abuse."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..services.accounts import accounts
from ..services import permissions
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
