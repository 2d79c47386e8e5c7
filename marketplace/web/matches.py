"""Matching pages: the agency's ranked list of companies and invitations to pitch."""
import click
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms.matches import InviteToPitchForm
from ..services.matching import matching
from ..services import access, permissions
from ..services.errors import Conflict, InvalidTransition

bp = Blueprint("matches", __name__)


@bp.get("/challenges/<slug>/matches")
@login_required
def for_challenge(slug):
    challenge = access.challenge_for(current_user, "challenge.view_matches", slug)
    return _ranked_page(challenge, InviteToPitchForm())


def _ranked_page(challenge, form, status=200):
    results = matching.ranked_companies(current_user, challenge)
    return render_template("matches/for_challenge.html", challenge=challenge, results=results, form=form,
                           threshold=matching.threshold()), status


@bp.post("/challenges/<slug>/matches/invite")
@login_required
def invite(slug):
    challenge = access.challenge_for(current_user, "challenge.view_matches", slug)
    permissions.require(current_user, "challenge.invite_to_pitch", challenge)
    form = InviteToPitchForm()
    if not form.validate_on_submit():
        return _ranked_page(challenge, form, status=400)
    try:
        match = matching.invite_to_pitch(current_user, challenge, int(form.organisation_id.data))
    except (Conflict, InvalidTransition) as exc:
        flash(exc.message, "error")
        return redirect(url_for("matches.for_challenge", slug=challenge.slug))
    flash(_("%(company)s has been invited to pitch.", company=match.organisation.name), "success")
    return redirect(url_for("matches.for_challenge", slug=challenge.slug))


@bp.cli.command("reindex")
def reindex_command():
    """Rebuild the matching index of every company profile."""
    count = matching.reindex_all_profiles()
    click.echo(f"Indexed {count} company profiles.")
