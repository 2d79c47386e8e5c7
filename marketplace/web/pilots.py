"""Pilot pages: one page per pilot for the agency and the company, and the forms that post to it."""
from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ..forms.pilots import (BudgetIncreaseForm, DocumentForm, EndDateForm, MeasureOutcomeForm, MessageForm, MoveForm,
                            OutcomeForm, PaymentForm, StartPilotForm)
from ..services import access, permissions
from ..services.pilots import pilots
from .forms_flow import submit_form
from ..services.pilots.pilot_workflow import (STAGE_LABELS, available_moves, checks_not_needed, conflict_keeps_from_approving, has_outcome,
                                              judging_open, may_approve_budget, may_approve_increase, move_pilot,
                                              needs_second_approval, next_action, note_needed)

bp = Blueprint("pilots", __name__)


# Where on the pilot page each next step is taken: the summary links there.
SECTION_OF_STEP = {"signed_agreement": "documents", "evaluation_report": "documents", "budget_cleared": "money",
                   "measures_judged": "measures", "outcome_summary": "outcome", "lessons_learned": "outcome",
                   "end_date_ahead": "end-date", "done": "outcome"}


def _page(pilot, status=200, **forms):
    """The pilot page; `forms` carries a form that failed, so its errors show next to its fields."""
    defaults = {
        "document_form": DocumentForm(formdata=None), "message_form": MessageForm(formdata=None),
        "outcome_form": OutcomeForm(formdata=None, obj=pilot), "move_form": MoveForm(formdata=None),
        "payment_form": PaymentForm(formdata=None), "measure_form": MeasureOutcomeForm(formdata=None),
        "increase_form": BudgetIncreaseForm(formdata=None), "end_date_form": EndDateForm(formdata=None, obj=pilot),
    }
    defaults.update(forms)
    moves = available_moves(current_user, pilot)
    following = next_action(pilot, current_user)
    return render_template(
        "pilots/show.html", pilot=pilot, stage_labels=STAGE_LABELS,
        may_move=permissions.can(current_user, "pilot.move", pilot), has_outcome=has_outcome(pilot), moves=moves,
        judging_open=judging_open(pilot), not_needed=checks_not_needed(pilot, [t for t, _missing in moves]),
        note_reasons={t.target: note_needed(pilot, t) for t, _missing in moves},
        needs_approval=needs_second_approval(pilot), may_approve=may_approve_budget(current_user, pilot),
        approval_conflict=conflict_keeps_from_approving(current_user, pilot),
        may_approve_increases=permissions.can(current_user, "pilot.approve_budget", pilot),
        approvable={i.id for i in pilot.budget_increases if may_approve_increase(current_user, pilot, i)},
        next_action=following, next_section=SECTION_OF_STEP.get(following.key, "next"), section_of_step=SECTION_OF_STEP,
        outcomes={o.success_measure_id: o for o in pilot.measure_outcomes}, money=pilots.money_of(pilot),
        failed=forms, form=next(iter(forms.values()), None), **defaults,
    ), status


@bp.get("/pilots/<int:pilot_id>")
@login_required
def show(pilot_id):
    return _page(access.pilot(current_user, pilot_id))


@bp.post("/pilots/<int:pilot_id>/move")
@login_required
def move(pilot_id):
    form = MoveForm()
    form.note.id = f"note-{form.target.data}"  # each move has its note field: the error summary links to this one
    pilot = access.pilot(current_user, pilot_id)
    permissions.require(current_user, "pilot.move", pilot)  # refused before the form is read: no 422 for them
    return submit_form(form, lambda form: move_pilot(current_user, pilot.id, form.target.data, note=form.note.data,
                                                     expected_version=form.version.data),
                       success=lambda moved: _("The pilot is now in stage: %(stage)s.",
                                               stage=STAGE_LABELS[form.target.data]),
                       redirect_to=url_for(".show", pilot_id=pilot.id),
                       page=lambda form, status: _page(pilot, status, move_form=form))


def _post_form(pilot_id, form, page_key, save, done, anchor, action=None):
    """The pattern of every form on the pilot page: check, call one service, or show the page with errors.

    `action`, when only some of the pilot's readers may do this, is checked before the form is read, so a
    person who may not is told so rather than shown field errors (the service checks it again).
    """
    pilot = access.pilot(current_user, pilot_id)
    if action:
        permissions.require(current_user, action, pilot)
    return submit_form(form, lambda form: save(pilot, form), success=done,
                       redirect_to=url_for(".show", pilot_id=pilot.id, _anchor=anchor),
                       page=lambda form, status: _page(pilot, status, **{page_key: form}))


@bp.post("/pilots/<int:pilot_id>/documents")
@login_required
def upload(pilot_id):
    return _post_form(pilot_id, DocumentForm(), "document_form", lambda pilot, form: pilots.add_document(
        current_user, pilot.id, kind=form.kind.data, stream=form.file.data.stream, filename=form.file.data.filename),
        _("The document is uploaded."), "documents")


@bp.get("/pilots/<int:pilot_id>/documents/<int:document_id>")
@login_required
def document(pilot_id, document_id):
    found, path = pilots.document_for_download(current_user, pilot_id, document_id)
    return send_file(path, mimetype=found.content_type, as_attachment=True, download_name=found.filename,
                     max_age=0)


@bp.post("/pilots/<int:pilot_id>/measures/<int:measure_id>")
@login_required
def judge_measure(pilot_id, measure_id):
    form = MeasureOutcomeForm()
    form.measure_id = measure_id  # which of the page's judgements shows the errors
    return _post_form(pilot_id, form, "measure_form", lambda pilot, form: pilots.record_measure_outcome(
        current_user, pilot.id, measure_id, result=form.result.data, evidence=form.evidence.data),
        _("The judgement is recorded."), "measures", action="pilot.move")


@bp.post("/pilots/<int:pilot_id>/outcome")
@login_required
def outcome(pilot_id):
    return _post_form(pilot_id, OutcomeForm(), "outcome_form", lambda pilot, form: pilots.write_outcome(
        current_user, pilot.id, outcome_summary=form.outcome_summary.data, lessons_learned=form.lessons_learned.data,
        follow_on_procurement_url=form.follow_on_procurement_url.data), _("The outcome is saved."), "outcome",
        action="pilot.move")


@bp.post("/pilots/<int:pilot_id>/payments/<int:milestone_id>")
@login_required
def payment(pilot_id, milestone_id):
    form = PaymentForm()
    form.milestone_id = milestone_id  # which milestone's row shows what was typed and the errors
    return _post_form(pilot_id, form, "payment_form", lambda pilot, form: pilots.record_payment(
        current_user, pilot.id, milestone_id, paid_amount=form.paid_amount.data, paid_on=form.paid_on.data),
        _("The payment is recorded."), "payments", action="pilot.move")


@bp.post("/pilots/<int:pilot_id>/budget-increases")
@login_required
def request_budget_increase(pilot_id):
    return _post_form(pilot_id, BudgetIncreaseForm(), "increase_form", lambda pilot, form: pilots.request_budget_increase(
        current_user, pilot.id, amount=form.amount.data, justification=form.justification.data),
        _("The budget increase is asked for. A second person must approve it."), "money", action="pilot.move")


@bp.post("/pilots/<int:pilot_id>/budget-increases/<int:increase_id>/approve")
@login_required
def approve_budget_increase(pilot_id, increase_id):
    return _post_form(pilot_id, FlaskForm(), "approval_form", lambda pilot, form: pilots.approve_budget_increase(
        current_user, pilot.id, increase_id), _("The budget increase is approved."), "money")


@bp.post("/pilots/<int:pilot_id>/end-date")
@login_required
def end_date(pilot_id):
    return _post_form(pilot_id, EndDateForm(), "end_date_form", lambda pilot, form: pilots.change_end_date(
        current_user, pilot.id, ends_on=form.ends_on.data), _("The end date is changed."), "end-date",
        action="pilot.move")


@bp.post("/pilots/<int:pilot_id>/messages")
@login_required
def message(pilot_id):
    return _post_form(pilot_id, MessageForm(), "message_form",
                      lambda pilot, form: pilots.post_message(current_user, pilot.id, form.body.data),
                      _("Your message is sent."), "messages")


@bp.post("/pilots/<int:pilot_id>/approve-budget")
@login_required
def approve_budget(pilot_id):
    return _post_form(pilot_id, FlaskForm(), "approval_form", lambda pilot, form: pilots.approve_budget(
        current_user, pilot.id), _("The budget is approved."), "money")


@bp.get("/pilots/<int:pilot_id>/agreement")
@login_required
def agreement(pilot_id):
    pilot = access.pilot(current_user, pilot_id)
    return render_template("pilots/agreement.html", pilot=pilot)


def _owner_choices(agency_id):
    return [(row.id, row.name) for row in pilots.possible_owners(agency_id)]


@bp.route("/pitches/<int:pitch_id>/pilot", methods=["GET", "POST"])
@login_required
def start(pitch_id):
    pitch = access.agency_pitch(current_user, pitch_id)
    pilots.require_may_start(current_user, pitch)
    form = StartPilotForm()
    form.owner_id.choices = _owner_choices(pitch.challenge.agency_id)
    if request.method == "GET":
        pilots.require_startable(pitch)  # on a post, asked first and answered on the form, with what was typed
        form.owner_id.data = current_user.id
        form.budget.data = pitch.pilot_price
    return submit_form(form, lambda form: pilots.start_pilot(
                           current_user, pitch.id, budget=form.budget.data, starts_on=form.starts_on.data,
                           ends_on=form.ends_on.data, owner_id=form.owner_id.data, justification=form.justification.data,
                           milestones=[(m.form.name.data, m.form.amount.data, m.form.planned_on.data)
                                       for m in form.milestones]),
                       success=_("The pilot is started. Next: print the agreement, sign it and upload it."),
                       redirect_to=lambda pilot: url_for(".show", pilot_id=pilot.id),
                       page=lambda form, status: (render_template("pilots/start.html", form=form, pitch=pitch),
                                                  status),
                       check_first=lambda: pilots.require_startable(pitch))
