"""Platform administration: verifying organisations, suspending abuse, emails that could not be sent, removing
the two-factor sign-in of someone who lost their phone and recovery codes, and the platform's audit trail."""
from datetime import datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from ..forms.accounts import ResetTwoFactorForm, SuspendOrganisationForm
from ..services.accounts import accounts
from ..services.accounts import two_factor
from ..services import audit, permissions
from ..services.messaging import mail
from .forms_flow import submit_form

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/organisations")
@login_required
def organisations():
    permissions.require(current_user, "admin.view")
    only_unverified = request.args.get("show") == "unverified"
    search = request.args.get("q", "")
    return render_template("admin/organisations.html", only_unverified=only_unverified, search=search,
                           limit=accounts.ADMIN_LIST_LIMIT,
                           organisations=accounts.organisations_for_admin(current_user, only_unverified, search))


@bp.post("/organisations/<int:organisation_id>/verify")
@login_required
def verify(organisation_id):
    organisation = accounts.verify_organisation(current_user, organisation_id)
    flash(_("%(name)s is verified.", name=organisation.name), "success")
    return redirect(url_for(".organisations"))


@bp.route("/organisations/<int:organisation_id>/suspend", methods=["GET", "POST"])
@login_required
def suspend(organisation_id):
    """Suspending asks for the reason on a page of its own (it signs out everyone in the organisation); lifting a
    suspension (suspended=0) is done at once."""
    organisation = accounts.organisation_for_admin(current_user, organisation_id)
    if request.method == "POST" and request.form.get("suspended") == "0":
        accounts.suspend_organisation(current_user, organisation_id, suspended=False)
        flash(_("%(name)s is no longer suspended.", name=organisation.name), "success")
        return redirect(url_for(".organisations"))
    return submit_form(SuspendOrganisationForm(), lambda form: accounts.suspend_organisation(
                           current_user, organisation_id, reason=form.reason.data),
                       success=_("%(name)s is suspended.", name=organisation.name),
                       redirect_to=url_for(".organisations", q=organisation.name),
                       page=lambda form, status: (render_template("admin/suspend.html", form=form,
                                                                  organisation=organisation), status))


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


@bp.get("/people")
@login_required
def people():
    search = request.args.get("q", "")
    return render_template("admin/people.html", search=search,
                           people=two_factor.people_for_admin(current_user, search))


@bp.route("/people/<int:user_id>/two-factor", methods=["GET", "POST"])
@login_required
def reset_two_factor(user_id):
    """Remove a person's two-factor sign-in, with the reason (audited, and emailed to them)."""
    person = two_factor.user_for_reset(current_user, user_id)
    return submit_form(ResetTwoFactorForm(), lambda form: two_factor.reset_by_admin(current_user, user_id,
                                                                                    form.reason.data),
                       success=_("Two-factor sign-in is removed for %(name)s. They are emailed, and set it up again "
                                 "when they next sign in if their role needs it.", name=person.name),
                       redirect_to=url_for(".people", q=person.email),
                       page=lambda form, status: (render_template(
                           "admin/reset_two_factor.html", form=form, person=person,
                           refusal=two_factor.reset_refusal(person)), status))


@bp.get("/audit")
@login_required
def audit_trail():
    """The platform's audit trail, newest first, filtered by the query string; `before` pages (an event id)."""
    trail = audit.platform_trail(current_user, request.args, before=request.args.get("before", type=int))
    return render_template("admin/audit.html", trail=trail, actions=audit.KNOWN_ACTIONS,
                           csv_limit=audit.PLATFORM_CSV_LIMIT), 422 if trail.errors else 200


@bp.get("/audit.csv")
@login_required
def audit_csv():
    """The filtered trail as CSV; a filter that cannot be read goes back to the page, which says why."""
    document, errors = audit.platform_trail_csv(current_user, request.args)
    if errors:
        return redirect(url_for(".audit_trail", **request.args))
    stamp = datetime.now().strftime("%Y%m%d")
    return Response(document, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=audit-agora-{stamp}.csv"})
