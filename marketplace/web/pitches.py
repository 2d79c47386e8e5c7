"""Pitch pages: the company writes in short steps and submits; the agency reads after the deadline.

Each step is its own page and works without JavaScript: posting it saves the
draft and moves on. `static/js/pitch.js` adds autosave; `static/js/forms.js`
counts characters on every form.
When the session has ended by the time a step is posted, what was typed is
kept for its writer (see services/pitches.keep_unsaved_step) and they are sent
to sign in, then back to the step with their text.
"""
from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError

from ..extensions import csrf, db
from ..formatting import time_of_day
from ..forms import apply_domain_errors
from ..forms.pitches import AttachmentForm, step_forms, step_titles
from ..services import access, permissions
from ..services.pitches import pitches, receipts
from ..services.pitches.lifecycle import state_of as pitch_state
from ..services.pitches.possibilities import pitch_possibilities
from ..services.evaluation import blinding, evaluation, pitch_sessions
from ..services.clock import utcnow
from ..services.errors import Conflict, NotAllowed, ValidationFailed
from ..services.permissions import signed_in
from .forms_flow import submit_form
from .negotiation import wants_json

bp = Blueprint("pitches", __name__)


def _page(template, challenge, pitch, current, status=200, possible=None, **context):
    """A page of the pitch, with the step list: where the company is and which steps are complete, and what
    the company can still do (`possible`: services/pitches/possibilities.py)."""
    return render_template(template, challenge=challenge, pitch=pitch, current=current,
                           step_titles=step_titles(challenge),
                           step_url=lambda step: _step_url(challenge.slug, step), states=pitches.step_states(pitch),
                           limits=pitches.LIMITS, judged_blind=blinding.judged_blind(challenge),
                           possible=possible or pitch_possibilities(challenge, pitch, current_user),
                           **context), status


def _step_page(challenge, pitch, form, status=200, kept=None):
    """The step; when the pitch can no longer be changed, its fields (as saved, or as just typed) are shown
    read-only, to read and copy, without a form to post. `kept`: the unsaved text shown (pitches.kept_step)."""
    form.draft_key.data = pitches.draft_key(current_user, challenge)
    possible = pitch_possibilities(challenge, pitch, current_user)
    if not possible.write:
        for f in form:
            f.render_kw = {**(f.render_kw or {}), "readonly": True}
    return _page("pitches/step.html", challenge, pitch, form.step, status, possible, form=form, kept=kept,
                 autosave=pitch is None or not pitch_state(pitch).submitted)


def _check_page(challenge, pitch, errors=None, status=200):
    return _page("pitches/check.html", challenge, pitch, "check", status,
                 missing=pitches.missing_for_submission(pitch), incomplete=pitches.INCOMPLETE,
                 awaits_submission=pitch is not None and pitch_state(pitch).awaits_submission, errors=errors or {},
                 step_of=lambda field: pitches.step_of(field, challenge), named_in=blinding.named_in(pitch),
                 forms={step: form.for_pitch(pitch) for step, form in step_forms(challenge).items()})


def _attachments_page(challenge, pitch, form=None, status=200):
    return _page("pitches/attachments.html", challenge, pitch, "attachments", status,
                 attachment_form=form or AttachmentForm(formdata=None))


def _next_step(challenge, step, go):
    """Where "Save and continue" (or "Save and go back") leads: a step of this pitch, never elsewhere."""
    order = tuple(step_titles(challenge))
    here = order.index(step)
    if go == "back":
        return order[max(0, here - 1)]
    return order[here + 1]


def _step_url(slug, step):
    if step in pitches.ALL_STEPS:
        return url_for(".step", slug=slug, step=step)
    return url_for(f".{step}", slug=slug)


@bp.get("/challenges/<slug>/pitch")
@login_required
def edit(slug):
    """The pitch's stable address: the first step for a new pitch, the check page for one under way."""
    _, pitch = pitches.writing(current_user, slug)
    return redirect(_step_url(slug, "about" if pitch is None else "check"))


def _csrf_passes():
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        csrf.protect()
    except CSRFError:
        return False
    return True


@bp.route(f"/challenges/<slug>/pitch/<any({', '.join(pitches.ALL_STEPS)}):step>", methods=["GET", "POST"])
@csrf.exempt  # checked in the view, after keeping what a post from an ended session carried
def step(slug, step):
    if request.method == "POST" and (not signed_in(current_user) or not _csrf_passes()):
        return _keep_until_signed_in(slug, step)
    if not signed_in(current_user):
        return current_app.login_manager.unauthorized()
    challenge, pitch = pitches.writing(current_user, slug)
    if pitches.step_for(challenge, step) != step:  # the other kind's name (`/pitch/pilot` of a consultation)
        return redirect(_step_url(slug, pitches.step_for(challenge, step)), 301 if request.method == "GET" else 308)
    form_class = step_forms(challenge)[step]
    if request.method == "GET":
        kept = pitches.kept_step(current_user, challenge, step)
        form = form_class.for_pitch(pitch, kept.typed if kept else None)
        if kept is not None and kept.refused:  # loaded again after a refusal: the reasons again, in today's words
            problems = pitches.step_problems(step, kept.typed)
            if problems:
                apply_domain_errors(form, ValidationFailed(problems))
        return _step_page(challenge, pitch, form, kept=kept)
    if request.form.get("action") == "discard":
        pitches.discard_unsaved_step(current_user, challenge, step)
        flash(_("What you typed and did not save is discarded. This is the saved draft."), "success")
        return redirect(_step_url(slug, step))
    form = form_class()
    status = 422
    if form.validate():
        try:
            pitch = pitches.save_draft(current_user, slug, form.domain_data(), step=step)
        except ValidationFailed as exc:
            apply_domain_errors(form, exc)
        except (Conflict, NotAllowed) as exc:  # closed meanwhile (deadline, cancellation…): the text stays
            db.session.rollback()
            form.form_errors.append(str(exc.message))
            status = exc.status_code
            challenge, pitch = pitches.writing(current_user, slug)
        else:
            return _saved(challenge, step, pitch)
    # Kept, so that loading this page again (the language switcher, a reload) shows the text, not the saved draft;
    # an autosave refused too: pitch.js then lets the language switcher go on (`kept`), the text is not lost.
    kept = pitches.keep_refused_step(current_user, challenge, step, request.form)
    if wants_json():
        first = next(str(m) for messages in (form.form_errors, *form.errors.values()) for m in messages)
        return jsonify(saved=False, kept=kept, message=_("Not saved: %(problem)s", problem=first)), status
    return _step_page(challenge, pitch, form, status=status)


def _saved(challenge, step, pitch):
    if wants_json():
        return jsonify(saved=True, message=_("Saved at %(time)s", time=time_of_day(utcnow())))
    if pitch_state(pitch).submitted:
        flash(_("Your changes are submitted, with a new receipt."), "success")
    else:
        flash(_("Your draft is saved. It is not submitted yet."), "success")
    return redirect(_step_url(challenge.slug, _next_step(challenge, step, request.form.get("go"))))


def _keep_until_signed_in(slug, step):
    """The post came from a page whose session has ended: keep the text for its writer, then sign in."""
    if wants_json():  # autosave: the page still holds the text, and its save button keeps it
        return jsonify(saved=False, message=_("Not saved: your session has ended. Press “Save and continue”: "
                                              "what you typed is kept while you sign in again.")), 401
    writer = None
    if request.form.get("action") != "discard":
        writer = pitches.keep_unsaved_step(request.form.get("draft_key"), slug, step, request.form)
    if writer is None:  # no proof of who typed it: nothing can be kept for anyone
        if signed_in(current_user):
            raise CSRFError()
        return current_app.login_manager.unauthorized()
    back = _step_url(slug, step)
    if signed_in(current_user):
        flash(_("This page had expired, so the step was not saved. What you typed is below: check it and save it."),
              "info")
        return redirect(back)
    flash(_("Your session had ended, so the step was not saved. What you typed is kept: sign in again to check it "
            "and save it."), "info")
    return redirect(url_for("auth.login", next=back))


@bp.get("/challenges/<slug>/pitch/attachments")
@login_required
def attachments(slug):
    challenge, pitch = pitches.writing(current_user, slug)
    return _attachments_page(challenge, pitch)


@bp.get("/challenges/<slug>/pitch/check")
@login_required
def check(slug):
    challenge, pitch = pitches.writing(current_user, slug)
    return _check_page(challenge, pitch)


@bp.get("/pitches/<int:pitch_id>")
@login_required
def show(pitch_id):
    pitch = access.pitch(current_user, pitch_id)
    own = permissions.can(current_user, "pitch.write", pitch)
    return render_template("pitches/show.html", pitch=blinding.panel_view(pitch, current_user), own=own,
                           possible=pitch_possibilities(pitch.challenge, pitch, current_user) if own else None,
                           outcome=evaluation.outcome_for_company(current_user, pitch) if own else None,
                           session=pitch_sessions.booked_slot(pitch) if own else None)


@bp.post("/pitches/<int:pitch_id>/submit")
@login_required
def submit(pitch_id):
    try:
        pitch = pitches.submit_pitch(current_user, pitch_id)
    except ValidationFailed as exc:
        pitch = access.pitch(current_user, pitch_id)
        return _check_page(pitch.challenge, pitch, errors=exc.errors, status=422)
    except (Conflict, NotAllowed) as exc:  # the deadline passed, the challenge was cancelled…: said on the page
        return _refused_on_check_page(pitch_id, exc)
    flash(_("Your pitch is submitted. Keep the receipt: it proves what you sent and when."), "success")
    return redirect(url_for(".receipt", pitch_id=pitch.id))


@bp.get("/pitches/<int:pitch_id>/submit")
@login_required
def submit_again(pitch_id):
    """A refused submission leaves this address in the browser: reloading it leads back to the check page."""
    pitch = access.own_pitch(current_user, pitch_id)
    return redirect(url_for(".check", slug=pitch.challenge.slug))


def _refused_on_check_page(pitch_id, exc):
    db.session.rollback()
    pitch = access.own_pitch(current_user, pitch_id)
    return _check_page(pitch.challenge, pitch, errors={"": [str(exc.message)]}, status=exc.status_code)


@bp.route("/pitches/<int:pitch_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(pitch_id):
    """GET: what withdrawing means, and the button; POST: withdraw, then the receipt of the withdrawal."""
    if request.method == "GET":
        pitch = access.own_pitch(current_user, pitch_id)
        return _page("pitches/withdraw.html", pitch.challenge, pitch, "check")
    try:
        pitch = pitches.withdraw_pitch(current_user, pitch_id)
    except (Conflict, NotAllowed) as exc:
        return _refused_on_check_page(pitch_id, exc)
    flash(_("Your pitch is withdrawn. The receipt of the withdrawal is below and on its way by email."), "success")
    return redirect(url_for(".receipt", pitch_id=pitch.id))


@bp.get("/pitches/<int:pitch_id>/receipt")
@login_required
def receipt(pitch_id):
    pitch = access.own_pitch(current_user, pitch_id)
    latest = receipts.latest(pitch, request.args.get("reference"))
    return render_template("pitches/receipt.html", pitch=pitch, receipt=latest, valid=pitches.verify_receipt(pitch),
                           next_steps=receipts.what_happens_next(pitch, latest) if latest else [])


@bp.get("/challenges/<slug>/pitches")
@login_required
def for_challenge(slug):
    challenge = access.challenge(current_user, slug)
    standing, received = access.received_pitches(current_user, challenge)
    return render_template("pitches/for_challenge.html", challenge=challenge,
                           pitches=None if received is None else blinding.panel_views(received, current_user),
                           blind=blinding.blind_round(challenge), standing=standing,
                           withheld=access.WITHHELD.get(standing))


@bp.post("/pitches/<int:pitch_id>/attachments")
@login_required
def add_attachment(pitch_id):
    pitch = access.pitch(current_user, pitch_id)
    return submit_form(AttachmentForm(), lambda form: pitches.add_attachment(
                           current_user, pitch.id, stream=form.file.data.stream, filename=form.file.data.filename),
                       success=_("The file is attached."), redirect_to=url_for(".attachments", slug=pitch.challenge.slug),
                       page=lambda form, status: _attachments_page(pitch.challenge, pitch, form, status=status))


@bp.get("/pitches/<int:pitch_id>/attachments/<int:attachment_id>")
@login_required
def attachment(pitch_id, attachment_id):
    found, path = pitches.attachment_for_download(current_user, pitch_id, attachment_id)
    return send_file(path, mimetype=found.content_type, as_attachment=True,
                     download_name=blinding.attachment_download_name(found, current_user), max_age=0)


@bp.post("/pitches/<int:pitch_id>/attachments/<int:attachment_id>/remove")
@login_required
def remove_attachment(pitch_id, attachment_id):
    pitch = access.pitch(current_user, pitch_id)
    pitches.remove_attachment(current_user, pitch.id, attachment_id)
    flash(_("The file is removed."), "success")
    return redirect(url_for(".attachments", slug=pitch.challenge.slug))
