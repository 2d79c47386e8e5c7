"""Pilots: starting one from a selected pitch, its budget guardrail, outcomes, payments and messages.

Stage moves are not here: they go through `pilot_workflow.move_pilot`, the one
state machine.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from urllib.parse import urlparse

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from marketplace.extensions import db
from marketplace.formatting import lazy, money as money_text, number
from marketplace.models import Membership, Pilot, Pitch, User
from marketplace.models.challenge import CLOSED, EVALUATING, PILOTING
from marketplace.models.pilot import ADOPTED, AGREEMENT, DOCUMENT_KINDS, MEASURE_RESULTS, MeasureOutcome, PaymentMilestone, PilotBudgetIncrease, PilotDocument, PilotMessage
from marketplace.services import access, permissions
from marketplace.services.challenges import lifecycle
from marketplace.services.pitches import lifecycle as pitch_lifecycle, uploads
from marketplace.services.pilots.amounts import clean_amount
from marketplace.services.clock import utcnow
from marketplace.services.evaluation.evaluation import evaluation_of, refuse_ranking
from marketplace.services.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from marketplace.services.messaging.events import record_change, snapshot
from marketplace.services.paging import paginate
from marketplace.services.pilots.pilot_workflow import (conflict_keeps_from_approving, has_outcome, with_outcome, due_date_for, may_approve_budget, may_approve_increase,
                                                       needs_second_approval)

MAX_TEXT = 10000
# Limits the forms (marketplace/forms/pilots.py) apply too: written here only.
MESSAGE_MAX, MILESTONE_NAME_MAX, FOLLOW_ON_URL_MAX = 5000, 200, 500
FOLLOW_ON_URL_PROBLEM = _l("Enter a web address starting with https:// or http://.")
MESSAGE_TOO_LONG = _l("The message must be %(n)s characters or fewer.", n=lazy(number, MESSAGE_MAX))
# What a form and the service say of a text too long: one sentence each (marketplace/forms/pilots.py).
EVIDENCE_TOO_LONG = _l("The evidence must be %(n)s characters or fewer.", n=lazy(number, MAX_TEXT))
TEXT_TOO_LONG = _l("Write %(n)s characters or fewer.", n=lazy(number, MAX_TEXT))
JUSTIFICATION_TOO_LONG = _l("The justification must be %(n)s characters or fewer.", n=lazy(number, MAX_TEXT))
MAX_BUDGET = Decimal("100000000")
MIN_JUSTIFICATION = 20


def require_startable(pitch):
    """A pilot starts from a selected pitch of a call for solutions, once: nothing is selected where nothing is
    ranked (a market consultation)."""
    if not lifecycle.ranks_pitches(pitch.challenge):
        raise InvalidTransition(str(_l("A market consultation ends with its summary; it has no pilots.")))
    if pitch_lifecycle.state_of(pitch).shortlisted:  # shortlisting is a step (services/evaluation): the final send decides
        raise InvalidTransition(str(_l("This pitch is shortlisted: after its pitch session, decide it selected and "
                                       "send the final decisions; then it can become a pilot.")))
    if not pitch_lifecycle.state_of(pitch).selected:  # selected only by the final send of the decisions
        raise InvalidTransition(str(_l("Only a selected pitch can become a pilot.")))
    if db.session.scalar(select(Pilot.id).where(Pilot.pitch_id == pitch.id)) is not None:
        raise Conflict(str(_l("This pitch already has a pilot.")))


def require_may_start(actor, pitch):
    """Who may start a pilot from this pitch: those the permissions allow, unless they declared a conflict of
    interest in its challenge's evaluation — after finalising too (a pilot is one of the decisions that remain) —
    or, on its panel, have not declared: they get the evaluation's answer (`refuse_ranking`: recused, or declare
    first), on the page and in the service."""
    permissions.require(actor, "pilot.start", pitch.challenge)
    refuse_ranking(actor, pitch.challenge, evaluation_of(pitch.challenge))


def possible_owners(agency_id):
    """The people who may own a pilot of the agency (permissions.PILOT_OWNERS), by name: (id, name) rows."""
    return db.session.execute(
        select(User.id, User.name).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == agency_id, Membership.role.in_(permissions.PILOT_OWNERS))
        .order_by(User.name)).all()


def start_pilot(actor, pitch_id, *, budget, starts_on, ends_on, owner_id, justification="", milestones=()):
    """Turn a selected pitch into a pilot in its first stage, 'agreement'.

    `milestones` is a list of (label, planned amount, planned date or None).
    """
    pitch = access.agency_pitch(actor, pitch_id)
    challenge = pitch.challenge
    require_may_start(actor, pitch)
    require_startable(pitch)

    errors = {}
    amount = clean_amount(budget, "budget", errors, maximum=MAX_BUDGET, required=True)
    if amount is not None and amount <= 0:
        errors["budget"] = _l("The budget must be more than zero.")
    if not isinstance(starts_on, date):
        errors["starts_on"] = _l("Enter the start date.")
    if not isinstance(ends_on, date):
        errors["ends_on"] = _l("Enter the end date.")
    elif isinstance(starts_on, date) and ends_on <= starts_on:
        errors["ends_on"] = _l("The end date must be after the start date.")
    owner = db.session.scalar(
        select(Membership).where(Membership.user_id == owner_id, Membership.organisation_id == challenge.agency_id,
                                 Membership.role.in_(permissions.PILOT_OWNERS))
    ) if owner_id else None
    if owner is None:
        errors["owner_id"] = _l("Choose the pilot’s owner from your agency’s staff.")
    justification = (justification or "").strip()
    if len(justification) > MAX_TEXT:
        errors["justification"] = JUSTIFICATION_TOO_LONG
    planned = []
    for position, (label, planned_amount, planned_on) in enumerate(milestones):
        label = (label or "").strip()
        if not label and planned_amount in (None, ""):
            continue  # a blank row of the form
        row_errors = {}
        value = clean_amount(planned_amount, "amount", row_errors, maximum=MAX_BUDGET, required=True)
        if not label or len(label) > MILESTONE_NAME_MAX:
            row_errors["label"] = _l("Name each payment milestone in 200 characters or fewer.")
        if row_errors:
            errors[f"milestones-{position}"] = next(iter(row_errors.values()))
            continue
        planned.append(PaymentMilestone(position=position, label=label, planned_amount=value, planned_on=planned_on))
    if amount is not None and planned and sum(m.planned_amount for m in planned) > amount:
        errors["milestones"] = _l("The payment milestones add up to more than the budget.")
    if errors:
        raise ValidationFailed(errors)

    pilot = Pilot(challenge_id=challenge.id, pitch_id=pitch.id, agency_id=challenge.agency_id,
                  company_id=pitch.company_id, owner_id=owner.user_id, started_by_id=actor.id, budget=amount,
                  currency=challenge.currency, starts_on=starts_on, ends_on=ends_on, stage=AGREEMENT,
                  stage_entered_at=utcnow(), budget_justification=justification or None, milestones=planned)
    if needs_second_approval(pilot) and len(justification) < MIN_JUSTIFICATION:
        raise ValidationFailed({"justification": _l(
            "This budget is above the low-value threshold: explain in at least %(n)s characters why it is needed.",
            n=MIN_JUSTIFICATION)})
    pilot.stage_due_on = due_date_for(pilot, AGREEMENT, pilot.stage_entered_at)
    db.session.add(pilot)
    if lifecycle.may_move(challenge, PILOTING):  # the first pilot; later ones find it piloting already
        lifecycle.move_challenge(actor, challenge, PILOTING)
    record_change(actor, "pilot.started", pilot, after=snapshot(pilot, "budget", "starts_on", "ends_on", "owner_id"),
                  challenge_id=challenge.id, payload={"stage": AGREEMENT, "stage_due_on": pilot.stage_due_on})
    db.session.commit()
    return pilot


def approve_budget(actor, pilot_id):
    """The second pair of eyes on a budget above the low-value threshold."""
    pilot = access.pilot(actor, pilot_id)
    permissions.require(actor, "pilot.approve_budget", pilot)
    if not needs_second_approval(pilot):
        raise InvalidTransition(str(_l("This budget is under the low-value threshold and needs no approval.")))
    if why := conflict_keeps_from_approving(actor, pilot):
        raise NotAllowed(str(why))
    if not may_approve_budget(actor, pilot):
        raise NotAllowed(str(_l("Someone other than the person who started the pilot must approve its budget.")))
    if pilot.budget_approved_at is not None:
        return pilot
    pilot.budget_approved_by_id = actor.id
    pilot.budget_approved_at = utcnow()
    record_change(actor, "pilot.budget_approved", pilot, after={"budget": pilot.budget},
                  challenge_id=pilot.challenge_id)
    db.session.commit()
    return pilot


def record_measure_outcome(actor, pilot_id, success_measure_id, *, result, evidence=""):
    pilot = access.pilot(actor, pilot_id)
    permissions.require(actor, "pilot.move", pilot)
    if has_outcome(pilot):
        raise InvalidTransition(str(_l("The outcome of this pilot is published and can no longer change.")))
    measure = next((m for m in pilot.challenge.success_measures if m.id == success_measure_id), None)
    if measure is None:
        raise NotFound(str(_l("That success measure is not part of this challenge.")))
    evidence = (evidence or "").strip()
    errors = {}
    if result not in MEASURE_RESULTS:
        errors["result"] = _l("Choose met, partly met or not met.")
    if not evidence:
        errors["evidence"] = _l("Give the evidence for this judgement.")
    elif len(evidence) > MAX_TEXT:
        errors["evidence"] = EVIDENCE_TOO_LONG
    if errors:
        raise ValidationFailed(errors)
    outcome = next((o for o in pilot.measure_outcomes if o.success_measure_id == measure.id), None)
    before = snapshot(outcome, "result", "evidence") if outcome else None
    if outcome is None:
        outcome = MeasureOutcome(pilot=pilot, success_measure_id=measure.id, result=result, evidence=evidence)
        db.session.add(outcome)
    else:
        outcome.result, outcome.evidence = result, evidence
    record_change(actor, "pilot.measure_judged", pilot, before=before, after={"measure": measure.id, "result": result},
                  challenge_id=pilot.challenge_id)
    db.session.commit()
    return outcome


def write_outcome(actor, pilot_id, *, outcome_summary, lessons_learned="", follow_on_procurement_url=""):
    pilot = access.pilot(actor, pilot_id)
    permissions.require(actor, "pilot.move", pilot)
    if has_outcome(pilot):
        raise InvalidTransition(str(_l("The outcome of this pilot is published and can no longer change.")))
    errors = {}
    summary = (outcome_summary or "").strip()
    lessons = (lessons_learned or "").strip()
    url = (follow_on_procurement_url or "").strip()
    for name, value in (("outcome_summary", summary), ("lessons_learned", lessons)):
        if len(value) > MAX_TEXT:
            errors[name] = TEXT_TOO_LONG
    if url and (urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc or len(url) > FOLLOW_ON_URL_MAX):
        errors["follow_on_procurement_url"] = FOLLOW_ON_URL_PROBLEM
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(pilot, "outcome_summary", "lessons_learned", "follow_on_procurement_url")
    pilot.outcome_summary, pilot.lessons_learned = summary or None, lessons or None
    pilot.follow_on_procurement_url = url or None
    record_change(actor, "pilot.outcome_written", pilot, before=before,
                  after=snapshot(pilot, "outcome_summary", "lessons_learned", "follow_on_procurement_url"),
                  challenge_id=pilot.challenge_id)
    db.session.commit()
    return pilot


def change_end_date(actor, pilot_id, *, ends_on):
    """Move the pilot's end date before its outcome: an extension needs one ahead of today."""
    pilot = access.pilot(actor, pilot_id)
    permissions.require(actor, "pilot.move", pilot)
    if has_outcome(pilot):
        raise InvalidTransition(str(_l("The outcome of this pilot is published and can no longer change.")))
    if not isinstance(ends_on, date):
        raise ValidationFailed({"ends_on": _l("Enter the end date.")})
    if ends_on <= pilot.starts_on:
        raise ValidationFailed({"ends_on": _l("The end date must be after the start date.")})
    before = snapshot(pilot, "ends_on", "stage_due_on")
    pilot.ends_on = ends_on
    pilot.stage_due_on = due_date_for(pilot, pilot.stage, pilot.stage_entered_at)  # running: due at its end
    record_change(actor, "pilot.end_date_changed", pilot, before=before,
                  after=snapshot(pilot, "ends_on", "stage_due_on"), challenge_id=pilot.challenge_id)
    db.session.commit()
    return pilot


@dataclass(frozen=True)
class PilotMoney:
    """What a pilot may spend and has spent: the approved budget (with approved increases), planned, paid, left."""

    approved: Decimal
    planned: Decimal
    paid: Decimal
    pending_increase: Decimal

    @property
    def remaining(self):
        return self.approved - self.paid


def money_of(pilot):
    increases = sum((i.amount for i in pilot.budget_increases if i.approved_at is not None), Decimal(0))
    return PilotMoney(
        approved=Decimal(pilot.budget) + increases,
        planned=sum((Decimal(m.planned_amount) for m in pilot.milestones), Decimal(0)),
        paid=sum((Decimal(m.paid_amount) for m in pilot.milestones if m.paid_amount is not None), Decimal(0)),
        pending_increase=sum((i.amount for i in pilot.budget_increases if i.approved_at is None), Decimal(0)),
    )


def record_payment(actor, pilot_id, milestone_id, *, paid_amount, paid_on):
    """Record what was paid for a milestone, within the approved budget.

    After the outcome only what was planned before it is paid, up to its planned amount: an outcome closes
    the pilot's spending except for the bills it already expected.
    """
    pilot = access.pilot(actor, pilot_id)
    permissions.require(actor, "pilot.move", pilot)
    milestone = next((m for m in pilot.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise NotFound(str(_l("That payment milestone is not part of this pilot.")))
    errors = {}
    amount = clean_amount(paid_amount, "paid_amount", errors, maximum=MAX_BUDGET, required=True)
    if not isinstance(paid_on, date):
        errors["paid_on"] = _l("Enter the date it was paid.")
    elif paid_on > utcnow().date() + timedelta(days=1):
        errors["paid_on"] = _l("A payment date cannot be in the future.")
    if amount is not None and "paid_amount" not in errors:
        money = money_of(pilot)
        paid_elsewhere = money.paid - Decimal(milestone.paid_amount or 0)
        if has_outcome(pilot) and amount > Decimal(milestone.planned_amount):
            errors["paid_amount"] = _l(
                "The pilot has its outcome: only what was planned before it can be paid, at most %(planned)s "
                "for this milestone.", planned=lazy(money_text, milestone.planned_amount, pilot.currency))
        elif paid_elsewhere + amount > money.approved:
            errors["paid_amount"] = _l(
                "This payment would take the payments to %(total)s, above the approved budget of %(approved)s. "
                "Ask for a budget increase first; a second person must approve it.",
                total=lazy(money_text, paid_elsewhere + amount, pilot.currency),
                approved=lazy(money_text, money.approved, pilot.currency))
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(milestone, "paid_amount", "paid_on")
    milestone.paid_amount, milestone.paid_on = amount, paid_on
    record_change(actor, "pilot.payment_recorded", pilot, before=before,
                  after={"milestone": milestone.id, "paid_amount": amount, "paid_on": paid_on},
                  challenge_id=pilot.challenge_id)
    db.session.commit()
    return milestone


def request_budget_increase(actor, pilot_id, *, amount, justification):
    """Ask for more budget; it counts only once a second person approved it (`approve_budget_increase`)."""
    pilot = access.pilot(actor, pilot_id)
    permissions.require(actor, "pilot.move", pilot)
    if has_outcome(pilot):
        raise InvalidTransition(str(_l("The outcome of this pilot is published: its budget can no longer grow.")))
    errors = {}
    value = clean_amount(amount, "amount", errors, maximum=MAX_BUDGET, required=True)
    if value is not None and value <= 0 and "amount" not in errors:
        errors["amount"] = _l("Enter an amount above zero.")
    reason = (justification or "").strip()
    if len(reason) < MIN_JUSTIFICATION:
        errors["justification"] = _l("Say why the pilot needs more, in at least %(n)s characters.",
                                     n=lazy(number, MIN_JUSTIFICATION))
    elif len(reason) > MAX_TEXT:
        errors["justification"] = JUSTIFICATION_TOO_LONG
    if errors:
        raise ValidationFailed(errors)
    increase = PilotBudgetIncrease(pilot=pilot, amount=value, justification=reason, requested_by_id=actor.id,
                                   requested_at=utcnow())
    db.session.add(increase)
    db.session.flush()
    record_change(actor, "pilot.budget_increase_requested", pilot, after={"amount": value, "increase": increase.id},
                  challenge_id=pilot.challenge_id)
    db.session.commit()
    return increase


def approve_budget_increase(actor, pilot_id, increase_id):
    """The second pair of eyes, as for a budget above the low-value threshold: never the person who asked."""
    pilot = access.pilot(actor, pilot_id)
    permissions.require(actor, "pilot.approve_budget", pilot)
    increase = next((i for i in pilot.budget_increases if i.id == increase_id), None)
    if increase is None:
        raise NotFound(str(_l("That budget increase is not part of this pilot.")))
    if why := conflict_keeps_from_approving(actor, pilot):
        raise NotAllowed(str(why))
    if not may_approve_increase(actor, pilot, increase):
        raise NotAllowed(str(_l("Someone other than the person who asked must approve a budget increase.")))
    if increase.approved_at is not None:
        return increase
    increase.approved_by_id, increase.approved_at = actor.id, utcnow()
    record_change(actor, "pilot.budget_increase_approved", pilot, after={"amount": increase.amount,
                                                                       "increase": increase.id},
                  challenge_id=pilot.challenge_id)
    db.session.commit()
    return increase


def post_message(actor, pilot_id, body):
    """A message between the agency and the company of one pilot; both sides see it."""
    pilot = access.pilot(actor, pilot_id)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": _l("Write your message.")})
    if len(body) > MESSAGE_MAX:
        raise ValidationFailed({"body": MESSAGE_TOO_LONG})
    message = PilotMessage(pilot=pilot, author_id=actor.id, body=body)
    db.session.add(message)
    record_change(actor, "pilot.message_posted", pilot, challenge_id=pilot.challenge_id,
                  payload={"author_organisation_id": actor.membership.organisation_id})
    db.session.commit()
    return message



def add_document(actor, pilot_id, *, kind, stream, filename):
    """Either side uploads a document (the signed agreement, the evaluation report, …) to the pilot."""
    pilot = access.pilot(actor, pilot_id)
    if kind not in DOCUMENT_KINDS:
        raise ValidationFailed({"kind": _l("Choose what kind of document this is.")})
    if has_outcome(pilot):
        raise InvalidTransition(str(_l("The outcome of this pilot is published; no more documents can be added.")))
    stored = uploads.store_upload(stream, filename, allowed=uploads.DOCUMENT_TYPES, field="file")
    document = PilotDocument(pilot_id=pilot.id, kind=kind, filename=stored.filename, stored_name=stored.stored_name,
                             content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                             uploaded_by_id=actor.id)
    db.session.add(document)
    record_change(actor, "pilot.document_added", pilot, after={"kind": kind, "filename": stored.filename,
                                                               "sha256": stored.sha256},
                  challenge_id=pilot.challenge_id)
    uploads.commit_keeping(stored)
    return document


def document_for_download(user, pilot_id, document_id):
    """The document and where it is stored, only for the agency and the company of this pilot."""
    pilot = access.pilot(user, pilot_id)
    document = next((d for d in pilot.documents if d.id == document_id), None)
    if document is None:
        raise NotFound(str(_l("We could not find that document.")))
    return document, uploads.stored_path(document.stored_name)


def _with_outcome():
    return select(Pilot).where(with_outcome())


def public_follow_on_url(pilot):
    """The follow-on procurement is published only for an adopted pilot: a stopped one has nothing to follow."""
    return pilot.follow_on_procurement_url if pilot.stage == ADOPTED else None


def pilots_of_challenge(challenge):
    """Every pilot of a challenge (a handful), in one statement: the page sorts out what each viewer sees."""
    return db.session.scalars(_pilots_of(), {"challenge_id": challenge.id}).all()


@cache
def _pilots_of():  # built once: every view of a challenge page reads its pilots
    return select(Pilot).where(Pilot.challenge_id == bindparam("challenge_id")).order_by(Pilot.id)


def public_outcomes(challenge, pilots=None):
    """Pilots of a challenge that have an outcome, for its public page: what was tried and learned.

    `pilots`: the challenge's pilots already read (pilots_of_challenge), else they are read here."""
    if pilots is None:
        return db.session.scalars(
            _with_outcome().where(Pilot.challenge_id == challenge.id).order_by(Pilot.outcome_published_at)
        ).all()
    with_outcome = [pilot for pilot in pilots if has_outcome(pilot)]
    return sorted(with_outcome, key=lambda pilot: (pilot.outcome_published_at is None,
                                                   pilot.outcome_published_at or pilot.created_at, pilot.id))


def all_public_outcomes(page=1, per_page=20):
    """Every pilot with an outcome, newest first: the open data of what was tried, adopted or stopped."""
    return paginate(_with_outcome().order_by(Pilot.outcome_published_at.desc(), Pilot.id.desc()), page, per_page)


def pilots_of(user, challenge, pilots=None):
    """The pilots of a challenge this user may open (the agency's staff: all; a company: its own).

    `pilots`: the challenge's pilots already read (pilots_of_challenge), else they are read here."""
    rows = pilots_of_challenge(challenge) if pilots is None else pilots
    return [pilot for pilot in rows if permissions.can(user, "pilot.view", pilot)]
