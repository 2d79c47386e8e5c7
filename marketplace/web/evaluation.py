"""Evaluation pages: declare, score blind, rank, finalise, decide in one or two rounds, pitch sessions; the audit trail."""
from datetime import datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from flask_wtf import FlaskForm

from ..extensions import db
from ..forms.evaluation import DecisionForm, DeclarationForm, SlotForm
from ..services.evaluation.evaluation import DECISION_LABELS
from ..services import access, audit, permissions
from ..services.evaluation import evaluation, pitch_sessions
from ..services.pilots import pilots
from ..services.pitches import lifecycle as pitch_lifecycle
from ..services.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from .errors import comes_first
from .forms_flow import submit_form
from .i18n import from_local_input

bp = Blueprint("evaluation", __name__)


def _challenge(slug):
    return access.evaluation_challenge(current_user, slug)


def _overview(challenge, status=200, **forms):
    current = evaluation.evaluation_of(challenge)
    remains = evaluation.what_remains(current)
    declaration = evaluation.declaration_of(current_user, challenge)
    manages = permissions.can(current_user, "evaluation.manage", challenge)
    recused = evaluation.is_recused(declaration)
    withheld = evaluation.ranking_withheld(current_user, challenge, current,
                                           declaration.conflicted if declaration else None)
    by = request.args.get("by", type=int)
    ranking = evaluation.ranking(current_user, challenge.id, by=by) if manages and current and not withheld else []
    on_panel = current_user in pitch_sessions.panel_of(challenge)
    runs_sessions = pitch_sessions.runs_sessions(current_user, challenge, declaration)
    sending = evaluation.sending_for(challenge) if manages and current and not withheld else None
    return render_template(
        "evaluation/overview.html", challenge=challenge, evaluation=current, declaration=declaration,
        manages=manages, scores=permissions.can(current_user, "evaluation.score", challenge), ranking=ranking,
        may_declare=evaluation.may_declare(declaration, current),
        may_step_aside=evaluation.may_step_aside(declaration, current), recused=recused,
        # What a declaration still changes (services: what_remains): the texts beside the forms say it.
        decisions_remain=remains == evaluation.DECIDING, pilots_remain=remains == evaluation.PILOTS_TO_START,
        step_aside_closed=None if evaluation.is_stopped(current) else evaluation.why_not_step_aside(declaration, current),
        scores_stay=evaluation.scores_stay(current),
        stepped_aside_late=evaluation.stepped_aside_late(declaration, current),
        late_conflicts=evaluation.late_conflicts(current_user, challenge, current),
        running_it_instead=evaluation.running_it_instead(current_user, challenge) if manages and recused else (),
        ranked_by=by, decision_labels=DECISION_LABELS, declaration_form=forms.get("declaration") or DeclarationForm(formdata=None),
        sending=sending,
        # Booked to come: sending the final decisions now calls them off (services: sessions_called_off_by_sending).
        called_off_by_sending=pitch_sessions.sessions_called_off_by_sending(challenge, sending) if sending else [],
        ranking_after_declaring=manages and withheld == permissions.UNDECLARED and not current.is_finalised,
        # Given the role after finalising: no pitch, ranking, decision or session until they declare.
        sessions_after_declaring=withheld == permissions.UNDECLARED and remains == evaluation.DECIDING,
        decision_round=evaluation.decision_round(current), slot_form=forms.get("slot") or SlotForm(formdata=None),
        runs_sessions=runs_sessions, stopped=evaluation.is_stopped(current),
        no_sessions=pitch_sessions.why_no_sessions(challenge) if runs_sessions else None,
        finalise_blocked=evaluation.why_not_finalise(challenge) if ranking and not current.is_finalised else None,
        slots=pitch_sessions.slots_of(challenge) if runs_sessions or (on_panel and current and current.is_finalised)
        else [], pilots={p.pitch_id: p for p in pilots.pilots_of(current_user, challenge)},
        form=next(iter(forms.values()), None),
    ), status


@bp.get("/challenges/<slug>/evaluation")
@login_required
def overview(slug):
    return _overview(_challenge(slug))


def _button(challenge, action, success):
    """A button on the overview (start, finalise, send): a refusal answers on the overview with its reason."""
    return submit_form(FlaskForm(), lambda form: action(current_user, challenge.id), success=success,
                       redirect_to=url_for(".overview", slug=challenge.slug),
                       page=lambda form, status: _overview(challenge, status, action=form))


@bp.post("/challenges/<slug>/evaluation/start")
@login_required
def start(slug):
    return _button(_challenge(slug), evaluation.start_evaluation,
                   _("The evaluation has started. Evaluators can now declare conflicts and score."))


@bp.post("/challenges/<slug>/evaluation/declaration")
@login_required
def declare(slug):
    challenge = _challenge(slug)
    return submit_form(DeclarationForm(), lambda form: evaluation.declare_conflict(
                           current_user, challenge.id, conflicted=form.conflicted.data == "yes", note=form.note.data),
                       success=_("Your declaration is recorded."), redirect_to=url_for(".overview", slug=slug),
                       page=lambda form, status: _overview(challenge, status, declaration=form))


@bp.route("/challenges/<slug>/evaluation/scores", methods=["GET", "POST"])
@login_required
def scores(slug):
    challenge = _challenge(slug)
    errors, status = {}, 200
    if request.method == "POST":
        assessment_id = request.form.get("assessment_id", type=int)
        marks = {c.id: (request.form.get(f"score-{c.id}"), request.form.get(f"comment-{c.id}", "")[:20000])
                 for c in challenge.criteria}
        try:
            permissions.require(current_user, "evaluation.score", challenge)
            evaluation.score_sheet(current_user, assessment_id, marks)
        except ValidationFailed as exc:
            errors = {assessment_id: exc.errors}
            status = 422
        except (Conflict, NotAllowed) as exc:
            # Finalised, recused or no longer on the panel meanwhile: the scores cannot be saved, but what was
            # typed is shown back with the reason, to keep or send another way.
            db.session.rollback()
            return render_template("evaluation/not_saved.html", challenge=challenge, reason=exc.message,
                                   typed=[(c, *marks[c.id]) for c in challenge.criteria]), exc.status_code
        else:
            flash(_("Your scores are saved."), "success")
            return redirect(url_for(".scores", slug=slug, _anchor=f"pitch-{assessment_id}"))
    permissions.require(current_user, "evaluation.score", challenge)
    current = evaluation.evaluation_of(challenge)
    return render_template(
        "evaluation/scores.html", challenge=challenge, assessments=evaluation.assessments(current_user, challenge.id),
        mine=evaluation.my_scores(current_user, challenge), errors=errors, posted=request.form if errors else {},
        evaluation=current, stopped=evaluation.is_stopped(current), max_comment=evaluation.MAX_COMMENT,
    ), status


@bp.post("/challenges/<slug>/evaluation/finalise")
@login_required
def finalise(slug):
    return _button(_challenge(slug), evaluation.finalise_evaluation,
                   _("The evaluation is finalised: scores can no longer change, and company names are shown."))


def _decision_sheet(challenge, assessment_id):
    """The pitch's decision sheet; refused (not finalised yet), the error page leads on to the evaluation overview,
    where finalising is, rather than to the home page alone."""
    try:
        return evaluation.decision_sheet(current_user, assessment_id)
    except InvalidTransition as exc:
        raise comes_first(exc, url_for(".overview", slug=challenge.slug), _("Go to the evaluation")) from None


def _decision_page(challenge, assessment_id, form, status, sheet=None):
    sheet = sheet or _decision_sheet(challenge, assessment_id)
    if sheet["challenge"].id != challenge.id:
        raise NotFound(_("We could not find that pitch."))
    form.decision.choices = [(value, label) for value, label in DECISION_LABELS.items() if value in sheet["choices"]]
    return render_template("evaluation/decision.html", form=form, decision_labels=DECISION_LABELS,
                           max_feedback=evaluation.MAX_FEEDBACK, **sheet), status


@bp.route("/challenges/<slug>/evaluation/decisions/<int:assessment_id>", methods=["GET", "POST"])
@login_required
def decide(slug, assessment_id):
    """One pitch: the evaluators' comments, the decision the round allows, the feedback to read and confirm."""
    challenge = _challenge(slug)
    sheet = None
    if request.method == "POST":
        form = DecisionForm(prefix=f"a{assessment_id}")
    else:
        sheet = _decision_sheet(challenge, assessment_id)
        form = DecisionForm(formdata=None, prefix=f"a{assessment_id}", decision=sheet["assessment"].decision,
                            feedback=sheet["feedback"])
    return submit_form(form, lambda form: evaluation.decide(
                           current_user, assessment_id, decision=form.decision.data, feedback=form.feedback.data,
                           confirmed=form.confirmed.data),
                       success=_("The decision is saved. It is sent when you send this round’s decisions."),
                       redirect_to=url_for(".overview", slug=slug, _anchor=f"decision-{assessment_id}"),
                       page=lambda form, status: _decision_page(challenge, assessment_id, form, status, sheet))


@bp.post("/challenges/<slug>/evaluation/publish")
@login_required
def publish(slug):
    challenge = _challenge(slug)
    sending = evaluation.sending_for(challenge) if permissions.can(current_user, "evaluation.manage", challenge) \
        else None
    shortlist = sending is not None and sending.shortlist
    # A shortlist of every pitch has no "others" to tell.
    others = shortlist and any(r.decision is not None and not pitch_lifecycle.state_named(r.decision).shortlisted
                               for r in sending.to_send)
    return _button(challenge, evaluation.publish_decisions,
                   (_("The shortlisted companies are being invited to book a pitch session; the others are told "
                      "their outcome and feedback.") if others else
                    _("The shortlisted companies are being invited to book a pitch session.")) if shortlist else
                   _("The companies are being told their outcome and feedback."))


@bp.post("/challenges/<slug>/evaluation/slots")
@login_required
def offer_slot(slug):
    challenge = _challenge(slug)
    return submit_form(SlotForm(), lambda form: pitch_sessions.offer_slot(
                           current_user, challenge.id, starts_at=from_local_input(form.starts_at.data),
                           ends_at=from_local_input(form.ends_at.data), mode=form.mode.data,
                           address=form.address.data, link=form.link.data),
                       success=_("The time slot is offered to the shortlisted companies."),
                       redirect_to=url_for(".overview", slug=slug, _anchor="sessions"),
                       page=lambda form, status: _overview(challenge, status, slot=form))


@bp.route("/pitches/<int:pitch_id>/session", methods=["GET", "POST"])
@login_required
def pick_slot(pitch_id):
    pitch = access.own_pitch(current_user, pitch_id)
    # A refusal (the time just taken by another company, the challenge cancelled meanwhile) answers on this page,
    # with its reason and the times still free, rather than on an error page that leads nowhere.
    return submit_form(FlaskForm(), lambda form: pitch_sessions.book_slot(
                           current_user, pitch.id, request.form.get("slot_id", type=int)),
                       success=_("Your pitch session is booked. A calendar invitation is on its way by email."),
                       redirect_to=url_for(".pick_slot", pitch_id=pitch.id),
                       page=lambda form, status: (render_template(
                           "evaluation/pick_slot.html", pitch=pitch, booked=pitch_sessions.booked_slot(pitch),
                           slots=pitch_sessions.open_slots(pitch.challenge), form=form), status))


@bp.get("/sessions/<int:slot_id>.ics")
@login_required
def session_calendar(slot_id):
    """A booked pitch session for the company's or the panel's own calendar."""
    ics = pitch_sessions.session_calendar(current_user, slot_id)
    return Response(ics, mimetype="text/calendar", headers={
        "Content-Disposition": f"attachment; filename=pitch-session-{slot_id}.ics"})


@bp.get("/challenges/<slug>/audit")
@login_required
def audit_trail(slug):
    challenge, entries = audit.readable_trail(current_user, access.challenge(current_user, slug).id)
    return render_template("evaluation/audit.html", challenge=challenge, entries=entries)


@bp.get("/challenges/<slug>/audit.csv")
@login_required
def audit_csv(slug):
    challenge, entries = audit.readable_trail(current_user, access.challenge(current_user, slug).id)
    stamp = datetime.now().strftime("%Y%m%d")
    return Response(audit.trail_as_csv(entries), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=audit-{challenge.slug}-{stamp}.csv"})
