"""Pitch pages: the company writes, submits and withdraws; the agency reads after the deadline."""
from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms import apply_domain_errors
from ..forms.pitches import AttachmentForm, PitchForm
from ..services import permissions, pitches
from ..services.challenges import get_visible
from ..services.errors import ValidationFailed

bp = Blueprint("pitches", __name__)


@bp.app_context_processor
def pitch_helpers():
    """For the challenge page's pitch box."""
    return {"own_pitch": lambda challenge: pitches.own_pitch(current_user, challenge),
            "can": lambda action, obj=None: permissions.can(current_user, action, obj)}


def _edit_page(challenge, pitch, form, attachment_form=None, status=200):
    return render_template("pitches/edit.html", challenge=challenge, pitch=pitch, form=form,
                           attachment_form=attachment_form or AttachmentForm(formdata=None),
                           limits=pitches.LIMITS), status


@bp.route("/challenges/<slug>/pitch", methods=["GET", "POST"])
@login_required
def edit(slug):
    challenge = get_visible(current_user, slug)
    permissions.require(current_user, "challenge.pitch", challenge)
    pitch = pitches.own_pitch(current_user, challenge)
    if request.method == "GET":
        form = PitchForm(formdata=None, obj=pitch)
        if pitch is not None and pitch.trl:
            form.trl.data = str(pitch.trl)
        return _edit_page(challenge, pitch, form)
    form = PitchForm()
    if not form.validate():
        return _edit_page(challenge, pitch, form, status=422)
    try:
        pitch = pitches.save_draft(current_user, slug, form.domain_data())
        if request.form.get("action") == "submit" and pitch.status != "submitted":
            pitch = pitches.submit_pitch(current_user, pitch.id)
    except ValidationFailed as exc:
        apply_domain_errors(form, exc)
        return _edit_page(challenge, pitches.own_pitch(current_user, challenge), form, status=422)
    if pitch.status == "submitted":
        flash(_("Your pitch is submitted. Keep the receipt: it proves what you sent and when."), "success")
        return redirect(url_for(".receipt", pitch_id=pitch.id))
    flash(_("Your draft is saved. It is not submitted yet."), "success")
    return redirect(url_for(".edit", slug=slug))


@bp.get("/pitches/<int:pitch_id>")
@login_required
def show(pitch_id):
    pitch = pitches.open_pitch(current_user, pitch_id)
    return render_template("pitches/show.html", pitch=pitch,
                           own=permissions.can(current_user, "pitch.write", pitch))


@bp.post("/pitches/<int:pitch_id>/submit")
@login_required
def submit(pitch_id):
    pitch = pitches.submit_pitch(current_user, pitch_id)
    flash(_("Your pitch is submitted. Keep the receipt: it proves what you sent and when."), "success")
    return redirect(url_for(".receipt", pitch_id=pitch.id))


@bp.post("/pitches/<int:pitch_id>/withdraw")
@login_required
def withdraw(pitch_id):
    pitch = pitches.withdraw_pitch(current_user, pitch_id)
    flash(_("Your pitch is withdrawn. You can submit it again until the deadline."), "success")
    return redirect(url_for(".edit", slug=pitch.challenge.slug))


@bp.get("/pitches/<int:pitch_id>/receipt")
@login_required
def receipt(pitch_id):
    pitch = pitches.open_pitch(current_user, pitch_id)
    permissions.require(current_user, "pitch.write", pitch)
    return render_template("pitches/receipt.html", pitch=pitch, valid=pitches.verify_receipt(pitch))


@bp.get("/challenges/<slug>/pitches")
@login_required
def for_challenge(slug):
    challenge = get_visible(current_user, slug)
    received = pitches.pitches_for_agency(current_user, challenge)
    return render_template("pitches/for_challenge.html", challenge=challenge, pitches=received)


@bp.post("/pitches/<int:pitch_id>/attachments")
@login_required
def add_attachment(pitch_id):
    pitch = pitches.open_pitch(current_user, pitch_id)
    form = AttachmentForm()
    if form.validate():
        try:
            pitches.add_attachment(current_user, pitch.id, stream=form.file.data.stream,
                                   filename=form.file.data.filename)
        except ValidationFailed as exc:
            apply_domain_errors(form, exc)
        else:
            flash(_("The file is attached."), "success")
            return redirect(url_for(".edit", slug=pitch.challenge.slug, _anchor="attachments"))
    return _edit_page(pitch.challenge, pitch, PitchForm(formdata=None, obj=pitch), form, status=422)


@bp.get("/pitches/<int:pitch_id>/attachments/<int:attachment_id>")
@login_required
def attachment(pitch_id, attachment_id):
    found, path = pitches.attachment_for_download(current_user, pitch_id, attachment_id)
    return send_file(path, mimetype=found.content_type, as_attachment=True, download_name=found.filename, max_age=0)


@bp.post("/pitches/<int:pitch_id>/attachments/<int:attachment_id>/remove")
@login_required
def remove_attachment(pitch_id, attachment_id):
    pitch = pitches.open_pitch(current_user, pitch_id)
    pitches.remove_attachment(current_user, pitch.id, attachment_id)
    flash(_("The file is removed."), "success")
    return redirect(url_for(".edit", slug=pitch.challenge.slug, _anchor="attachments"))
