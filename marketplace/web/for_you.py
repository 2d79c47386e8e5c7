"""Challenges for you, saved searches of the challenge list with their alerts, and the private calendar feed."""
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms.saved_searches import SaveSearchForm
from ..services.challenges import calendar_feed, challenges, saved_searches
from ..services.challenges.challenges import ChallengeFilters
from ..services.matching import for_you
from ..services.messaging import notifications
from .forms_flow import submit_form

bp = Blueprint("for_you", __name__)


@bp.get("/for-you")
@login_required
def index():
    return render_template("for_you/index.html", found=for_you.challenges_for_user(current_user),
                           company=current_user.organisation)


@bp.route("/saved-searches/new", methods=["GET", "POST"])
@login_required
def new_search():
    """Save the list's filters, which come in the query string (the form posts back to the same address)."""
    filters = ChallengeFilters.from_args(request.args)
    return submit_form(
        SaveSearchForm(), lambda form: saved_searches.save_search(
            current_user, name=form.name.data, args=request.args, alerts=form.alerts.data),
        success=lambda saved: _("Your search “%(name)s” is saved.", name=saved.name),
        redirect_to=url_for(".alerts"),
        page=lambda form, status: (render_template("for_you/save_search.html", form=form, filters=filters,
                                                   agency_names=_agency_names()), status))


@bp.get("/account/alerts")
@login_required
def alerts():
    searches = saved_searches.searches_of(current_user)
    feed_url = (url_for(".calendar", token=current_user.calendar_token, _external=True)
                if current_user.calendar_token else None)
    return render_template("for_you/alerts.html", searches=searches, results_path=saved_searches.results_path,
                           filters_of=saved_searches.filters_of, labels=saved_searches.ALERT_LABELS,
                           feed_url=feed_url, agency_names=_agency_names(),
                           emails_off=notifications.emails_off(current_user))


def _agency_names():
    return dict(challenges.agencies_with_public_challenges())


@bp.post("/saved-searches/<int:search_id>/delete")
@login_required
def delete_search(search_id):
    saved = saved_searches.delete_search(current_user, search_id)
    flash(_("Your search “%(name)s” is deleted.", name=saved.name), "success")
    return redirect(url_for(".alerts"))


@bp.post("/account/calendar")
@login_required
def renew_calendar():
    replaced = current_user.calendar_token is not None  # the first address replaces none: say only that it is made
    calendar_feed.renew_token(current_user)
    flash(_("Your calendar has a new private address. The previous address no longer works.") if replaced
          else _("Your calendar has a private address: add it to your calendar app."), "success")
    return redirect(url_for(".alerts", _anchor="calendar"))


@bp.post("/account/calendar/off")
@login_required
def calendar_off():
    calendar_feed.turn_off(current_user)
    flash(_("Your calendar feed is turned off. Its address no longer works."), "success")
    return redirect(url_for(".alerts", _anchor="calendar"))


@bp.get("/calendar/<token>.ics")
def calendar(token):
    """Read by calendar apps, without signing in: the token in the address is the key."""
    response = Response(calendar_feed.feed(token), mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = 'inline; filename="agora.ics"'
    return response
