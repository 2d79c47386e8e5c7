"""Challenges: writing a problem, publishing it (with four-eyes if the agency wants it), cancelling, finding.

A draft may be incomplete but never malformed: every save checks what is
filled in. Publishing checks that everything a company needs is there.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from typing import NamedTuple

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, Integer, String, bindparam, case, cast, func, literal_column, or_, select
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.exc import StaleDataError

from marketplace.extensions import db
from marketplace.formatting import lazy, localtime, number
from marketplace.models import AuditEvent, Challenge, ConflictDeclaration, EvaluationCriterion, Membership, Organisation, SuccessMeasure, User, challenge_sectors
from marketplace.models.types import epoch_microseconds
from marketplace.models.challenge import CALL_FOR_SOLUTIONS, CANCELLED, CHALLENGE_KINDS, CLOSED, COMPLETED, DRAFT, PUBLIC_STATUSES, PUBLISHED
from marketplace.services import access, permissions
from marketplace.services.challenges import catalogue, lifecycle, search
from marketplace.services.challenges.audience import people_concerned
from marketplace.services.pilots.amounts import NotAnAmount, clean_amount, parse_amount
from marketplace.services.clock import utcnow
from marketplace.services.organisations.cpv import is_cpv_division, sector_problem
from marketplace.services.errors import InvalidTransition, NotAllowed, StaleState, ValidationFailed
from marketplace.services.messaging import links
from marketplace.services.messaging.events import record_change, snapshot
from marketplace.services.messaging.notifications import Notice, notify_all
from marketplace.services.messaging.outbox import handles
from marketplace.services.open_data import public_data
from marketplace.services.paging import Page, ids_alone, paginate, read_rows, read_tuples
from marketplace.services.challenges.slugs import unique_slug

LIMITS = {
    "title": 200, "summary": 500, "problem_statement": 20000, "context": 10000, "affected": 10000,
    "desired_outcomes": 10000, "constraints": 10000,
}
TEXT_FIELDS = tuple(LIMITS)
# Limits and messages the forms (marketplace/forms/challenges.py) show too: written here only.
CRITERION_NAME_MAX, CRITERION_DESCRIPTION_MAX, MEASURE_MAX = 200, 2000, 300
CRITERION_NAME_PROBLEM = _l("Name the criterion in 200 characters or fewer.")  # = CRITERION_NAME_MAX
CRITERION_DESCRIPTION_TOO_LONG = _l("Describe it in %(n)s characters or fewer.", n=lazy(number, CRITERION_DESCRIPTION_MAX))
WEIGHT_PROBLEM = _l("Give a whole-number weight from 1 to 100.")
WEEKS_PROBLEM = _l("Enter a whole number of weeks from 1 to 104.")
CANCEL_REASON_MAX, CONSULTATION_SUMMARY_MAX = 2000, 20000
CANCEL_REASON_MISSING = _l("Say why the challenge is cancelled: the reason is public.")
CANCEL_DRAFT_REASON_MISSING = _l("Say why the draft is cancelled: only your agency reads the reason.")
CANCEL_REASON_TOO_LONG = _l("The reason must be %(n)s characters or fewer.", n=lazy(number, CANCEL_REASON_MAX))
SEND_BACK_REASON_MISSING = _l("Say what needs changing: the author reads it.")
CONSULTATION_SUMMARY_MISSING = _l("Summarise what the market offered.")
CONSULTATION_SUMMARY_TOO_LONG = _l("The summary must be %(n)s characters or fewer.",
                                   n=lazy(number, CONSULTATION_SUMMARY_MAX))
MAX_BUDGET = Decimal("1000000000")
CURRENCIES = ("EUR",)
MAX_CRITERIA = 10
MAX_MEASURES = 10
# Answers must reach everyone at least 6 days before the pitch deadline (Directive
# 2014/24, Art. 53(2)); closing questions 10 days before leaves the agency 4 days to answer.
QUESTION_WINDOW = timedelta(days=10)
CLOSING_SOON = timedelta(days=14)
AUDITED_FIELDS = TEXT_FIELDS + ("kind", "language", "budget_min", "budget_max", "currency", "pilot_duration_weeks",
                                "question_deadline", "pitch_deadline", "status")


def default_question_deadline(pitch_deadline, now=None):
    """Late enough to be useful, early enough that every answer is out 6 days before the deadline."""
    now = now or utcnow()
    candidate = pitch_deadline - QUESTION_WINDOW
    if candidate > now:
        return candidate
    return now + (pitch_deadline - now) / 2  # a short challenge: questions for its first half


def too_long(limit):
    """What a text longer than `limit` characters is told, by the service and by its form."""
    return _l("This must be %(n)s characters or fewer.", n=lazy(number, limit))


def _text(data, name, errors):
    # Lines end with LF, whatever the browser sent (a textarea's lines come ended by CR LF).
    value = (data.get(name) or "").replace("\r\n", "\n").strip()
    if len(value) > LIMITS[name]:
        errors[name] = too_long(LIMITS[name])
    return value


def _clean(data):
    """Check what is filled in; return clean values or raise ValidationFailed with every problem at once."""
    errors = {}
    clean = {name: _text(data, name, errors) for name in TEXT_FIELDS}
    if not clean["title"]:
        errors["title"] = _l("Enter a title.")
    kind = data.get("kind") or CALL_FOR_SOLUTIONS
    if kind not in CHALLENGE_KINDS:
        errors["kind"] = _l("Choose a call for solutions or a market consultation.")
    clean["kind"] = kind
    language = data.get("language") or None  # none given: a new challenge takes its author's language
    if language is not None and language not in search.LANGUAGES:
        errors["language"] = _l("Choose English, French, Dutch or German.")
    clean["language"] = language
    clean["budget_min"] = clean_amount(data.get("budget_min"), "budget_min", errors, maximum=MAX_BUDGET)
    clean["budget_max"] = clean_amount(data.get("budget_max"), "budget_max", errors, maximum=MAX_BUDGET)
    low, high = clean["budget_min"], clean["budget_max"]
    if low is not None and high is not None and low > high:
        errors["budget_max"] = _l("The maximum budget must be the same as or more than the minimum.")
    currency = data.get("currency") or "EUR"
    if currency not in CURRENCIES:
        errors["currency"] = _l("Budgets are in euro.")
    clean["currency"] = currency
    weeks = data.get("pilot_duration_weeks")
    if weeks in (None, "") or not lifecycle.kind_ranks_pitches(kind):  # no pilot follows a market consultation
        clean["pilot_duration_weeks"] = None
    else:
        try:
            clean["pilot_duration_weeks"] = int(weeks)
            if not 1 <= clean["pilot_duration_weeks"] <= 104:
                raise ValueError
        except (TypeError, ValueError):
            errors["pilot_duration_weeks"] = WEEKS_PROBLEM
    sectors = list(dict.fromkeys(data.get("sectors") or []))
    if any(not is_cpv_division(code) for code in sectors):
        errors["sectors"] = _l("Choose sectors from the list.")
    clean["sectors"] = sectors
    for name in ("question_deadline", "pitch_deadline"):
        value = data.get(name)
        if value is not None and getattr(value, "tzinfo", None) is None:
            errors[name] = _l("Enter a date and time.")
            value = None
        clean[name] = value
    if clean["pitch_deadline"] and clean["question_deadline"] and clean["question_deadline"] >= clean["pitch_deadline"]:
        errors["question_deadline"] = _l("The question deadline must be before the pitch deadline.")
    if lifecycle.kind_ranks_pitches(kind):
        clean["criteria"], clean["success_measures"] = _criteria(data, errors), _measures(data, errors)
    else:  # a market consultation ranks nothing: criteria or measures given with it are not its rules, nor kept
        clean["criteria"], clean["success_measures"] = [], []
    if errors:
        raise ValidationFailed(errors)
    return clean


def _criteria(data, errors):
    """The evaluation criteria given, clean; a problem with each one named in `errors`."""
    criteria = []
    for index, row in enumerate(data.get("criteria") or []):
        name, description = (row.get("name") or "").strip(), (row.get("description") or "").strip()
        weight = row.get("weight")
        if not name and weight in (None, ""):
            continue  # an empty row of the form
        if not name or len(name) > CRITERION_NAME_MAX:
            errors[f"criteria-{index}-name"] = CRITERION_NAME_PROBLEM
        if len(description) > CRITERION_DESCRIPTION_MAX:
            errors[f"criteria-{index}-description"] = CRITERION_DESCRIPTION_TOO_LONG
        try:
            weight = int(weight)
            if not 1 <= weight <= 100:
                raise ValueError
        except (TypeError, ValueError):
            errors[f"criteria-{index}-weight"] = WEIGHT_PROBLEM
            weight = 0
        criteria.append({"name": name, "description": description, "weight": weight})
    if len(criteria) > MAX_CRITERIA:
        errors["criteria"] = _l("Use at most %(n)s criteria.", n=MAX_CRITERIA)
    if criteria and not any(k.startswith("criteria-") for k in errors) and sum(c["weight"] for c in criteria) != 100:
        errors["criteria"] = _l("The criteria weights must add up to 100; now they add up to %(n)s.",
                                n=sum(c["weight"] for c in criteria))
    return criteria


def _measures(data, errors):
    """The success measures given, clean; a problem with each one named in `errors`."""
    measures = []
    for index, row in enumerate(data.get("success_measures") or []):
        values = {k: (row.get(k) or "").strip() for k in ("measure", "baseline", "target")}
        if not any(values.values()):
            continue
        if not values["measure"]:
            errors[f"success_measures-{index}-measure"] = _l("Say what is measured.")
        for key, value in values.items():
            if len(value) > MEASURE_MAX:
                errors[f"success_measures-{index}-{key}"] = too_long(MEASURE_MAX)
        measures.append(values)
    if len(measures) > MAX_MEASURES:
        errors["success_measures"] = _l("Use at most %(n)s success measures.", n=MAX_MEASURES)
    return measures


def publishable_problems(challenge, now=None):
    """For the preview page: what must still be done before this draft can go live."""
    return lifecycle.reasons_against(challenge, PUBLISHED, now=now)


def check_draft(data):
    """Run a draft's checks without saving, so a form can show every problem at once; the clean values."""
    return _clean(data)


def _apply(challenge, clean):
    for name in TEXT_FIELDS + ("kind", "budget_min", "budget_max", "currency", "pilot_duration_weeks",
                               "pitch_deadline", "question_deadline"):
        setattr(challenge, name, clean[name])
    if clean.get("language"):
        challenge.language = clean["language"]
    if challenge.pitch_deadline is not None and challenge.question_deadline is None:
        challenge.question_deadline = default_question_deadline(challenge.pitch_deadline)
    challenge.criteria = [EvaluationCriterion(position=i, **c) for i, c in enumerate(clean["criteria"])]
    challenge.success_measures = [SuccessMeasure(position=i, **m) for i, m in enumerate(clean["success_measures"])]


def _set_sectors(challenge, codes):
    db.session.execute(challenge_sectors.delete().where(challenge_sectors.c.challenge_id == challenge.id))
    for code in codes:
        db.session.execute(challenge_sectors.insert().values(challenge_id=challenge.id, cpv_division=code))


def create_draft(actor, data):
    """A new draft for the actor's agency."""
    organisation = actor.organisation if getattr(actor, "membership", None) else None
    if organisation is None:
        raise NotAllowed(str(_l("Only an agency’s owner or publishers can write challenges.")))
    permissions.require(actor, "challenge.create", organisation)
    clean = _clean(data)
    challenge = Challenge(agency_id=organisation.id, created_by_id=actor.id, status=DRAFT,
                          slug=unique_slug(Challenge, clean["title"]), language=search.language_of(actor.locale))
    _apply(challenge, clean)
    db.session.add(challenge)
    db.session.flush()
    _set_sectors(challenge, clean["sectors"])
    record_change(actor, "challenge.created", challenge, after=snapshot(challenge, *AUDITED_FIELDS),
                  challenge_id=challenge.id)
    db.session.commit()
    return challenge


def require_draft(challenge):
    state = lifecycle.state_of(challenge)
    if state.final:  # cancelled or completed: neither a notice nor a cancellation can follow any more
        raise InvalidTransition(str(_l("Only a draft can be changed. This challenge is “%(status)s”: nothing in it "
                                       "changes any more.", status=state.label)))
    if not state.draft:
        raise InvalidTransition(str(_l("Only a draft can be changed. While it is open for pitches, a published "
                                       "challenge is corrected or extended with a public notice; otherwise, cancel "
                                       "it with a public reason if it is wrong.")))


def update_draft(actor, slug, data, expected_version=None):
    """Change a challenge that is still a draft; a stale page gets told, not overwritten."""
    challenge = access.challenge(actor, slug)
    permissions.require(actor, "challenge.edit", challenge)
    require_draft(challenge)
    if _is_stale(challenge, expected_version):
        raise StaleState(str(_l("Someone else saved this draft while you were editing it. "
                                "Your changes were not saved: reload the page to see theirs.")))
    clean = _clean(data)
    before = snapshot(challenge, *AUDITED_FIELDS)
    _apply(challenge, clean)
    _set_sectors(challenge, clean["sectors"])
    # A changed draft needs a fresh approval; whoever asked for it and did not make the change is told.
    asker_id = challenge.approval_requested_by_id
    challenge.approval_requested_at = None
    challenge.approval_requested_by_id = None
    record_change(actor, "challenge.updated", challenge, before=before, after=snapshot(challenge, *AUDITED_FIELDS),
                  challenge_id=challenge.id,
                  payload={"withdrawn_request_of": asker_id} if asker_id not in (None, actor.id) else None)
    _commit_versioned()
    return challenge


@handles("challenge.updated")
def tell_the_asker_the_request_was_withdrawn(event):
    """Four eyes: a colleague's change withdrew the approval request; the person who asked hears it (once), by
    notice and by email, so a draft nobody will approve does not wait unseen."""
    asker_id = event.payload.get("withdrawn_request_of")
    challenge = db.session.get(Challenge, event.payload["object_id"])
    asker = db.session.get(User, asker_id) if asker_id else None
    if challenge is None or asker is None:
        return
    editor = db.session.get(User, event.payload["actor_id"]) if event.payload.get("actor_id") else None
    title = _l("“%(title)s” changed: your request for approval is withdrawn", title=challenge.title)
    body = _l("%(name)s changed the draft after you asked for its approval. Read it, then ask again when it is "
              "ready.", name=editor.name if editor else "")
    notify_all([Notice(asker, "challenge.approval_withdrawn", title, f"request-withdrawn:{event.id}", body=body,
                       link=links.challenge_preview_path(challenge), email_template="notification")])


def _is_stale(challenge, expected_version):
    """True when the page the person saw is not the current version; a mangled version counts as stale."""
    if expected_version in (None, ""):
        return False
    try:
        return int(expected_version) != challenge.version
    except (TypeError, ValueError):
        return True


def _commit_versioned():
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleState(str(_l("Someone else changed this challenge at the same moment. "
                                "Reload the page and try again."))) from None


def _check_publishable(actor, challenge):
    now = utcnow()
    lifecycle.require_move(challenge, PUBLISHED, now=now)
    return now


def publish_challenge(actor, slug):
    """Go live now, or, with four-eyes publishing, explain that a second person must approve."""
    challenge = access.challenge(actor, slug)
    permissions.require(actor, "challenge.publish", challenge)
    now = _check_publishable(actor, challenge)
    if challenge.agency.four_eyes_publishing:
        raise InvalidTransition(str(_l("Your agency asks a second publisher to approve each challenge. "
                                       "Ask for approval instead.")))
    lifecycle.move_challenge(actor, challenge, PUBLISHED, now=now)
    _commit_versioned()
    return challenge


def request_approval(actor, slug):
    challenge = access.challenge(actor, slug)
    permissions.require(actor, "challenge.publish", challenge)
    _check_publishable(actor, challenge)
    challenge.approval_requested_at = utcnow()
    challenge.approval_requested_by_id = actor.id
    record_change(actor, "challenge.approval_requested", challenge, challenge_id=challenge.id)
    _commit_versioned()
    return challenge


def approvers_of(challenge):
    """Who may approve the draft now: the agency's owner and publishers who did not ask (`challenge.approve`)."""
    people = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organisation_id == challenge.agency_id, Membership.role.in_(permissions.AGENCY_EDITORS),
        User.is_suspended.is_(False)).order_by(User.id)).all()
    return [person for person in people if permissions.RULES["challenge.approve"](person, challenge)]


@handles("challenge.approval_requested")
def tell_the_approvers(event):
    """Four eyes: each possible approver hears, by notice and by email, that a draft waits for them (once per request)."""
    challenge = db.session.get(Challenge, event.payload["object_id"])
    if challenge is None or not awaits_approval(challenge):
        return  # changed (a fresh request will come) or already published
    asker = challenge.approval_requested_by
    title = _l("“%(title)s” waits for your approval", title=challenge.title)
    body = _l("%(name)s asks you to read the draft and approve it: it is published when you do.",
              name=asker.name if asker else "")
    notify_all([Notice(person, "challenge.approval_requested", title, f"approval:{event.id}:{person.id}", body=body,
                       link=links.challenge_preview_path(challenge), email_template="notification")
                for person in approvers_of(challenge)])


def awaits_approval(challenge):
    """Four eyes: someone asked for the draft to be approved, and it is still a draft waiting for the answer."""
    return challenge.approval_requested_at is not None and lifecycle.state_of(challenge).draft


def require_approval_asked(challenge):
    """Raise unless `challenge` awaits approval (approving it or sending it back answers a request), saying what
    became of the request: withdrawn by an edit (by whom, when), answered by a send-back, or never asked."""
    if not awaits_approval(challenge):
        raise InvalidTransition(str(_why_no_approval_awaited(challenge)))


def _why_no_approval_awaited(challenge):
    state = lifecycle.state_of(challenge)
    if not state.draft:  # approved and published meanwhile, or cancelled
        return _l("There is no request for approval to answer: the challenge is “%(status)s” now.",
                  status=state.label)
    asked = db.session.scalar(select(func.max(AuditEvent.id)).where(
        AuditEvent.challenge_id == challenge.id, AuditEvent.action == "challenge.approval_requested"))
    if asked is None:
        return _l("Nobody has asked for this draft to be approved.")
    # What ended the request (it is not awaited): the first edit (update_draft withdraws it) or send-back after it.
    ended = db.session.execute(
        select(AuditEvent.action, AuditEvent.occurred_at, User.name).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.challenge_id == challenge.id, AuditEvent.id > asked,
               AuditEvent.action.in_(("challenge.updated", "challenge.approval_refused")))
        .order_by(AuditEvent.id).limit(1)).first()
    if ended is None:
        return _l("Nobody has asked for this draft to be approved.")
    when = lazy(localtime, ended.occurred_at)
    if ended.action == "challenge.approval_refused":
        return _l("The request for approval was answered: %(name)s sent the draft back on %(when)s. It can be "
                  "approved once approval is asked again.", name=ended.name or _l("someone"), when=when)
    return _l("The request for approval was withdrawn: %(name)s changed the draft on %(when)s. It can be approved "
              "once approval is asked again.", name=ended.name or _l("someone"), when=when)


def approve_challenge(actor, slug, expected_version=None):
    """The second pair of eyes: publishes the draft exactly as it was when approval was asked."""
    challenge = access.challenge(actor, slug)
    permissions.require(actor, "challenge.approve", challenge)  # first, so outsiders learn nothing of the draft
    require_approval_asked(challenge)
    if _is_stale(challenge, expected_version):
        raise StaleState(str(_l("The draft changed after you opened it. Read it again before approving.")))
    now = _check_publishable(actor, challenge)
    lifecycle.move_challenge(actor, challenge, PUBLISHED, now=now, changes={"approved_by_id": actor.id})
    _commit_versioned()
    return challenge


@handles("challenge.published")
def tell_the_asker_it_was_approved(event):
    """Four eyes: the person who asked for approval hears, by notice and by email, that a colleague approved and
    published the draft (once); nothing when nobody asked (published directly)."""
    challenge = db.session.get(Challenge, event.payload["object_id"])
    if challenge is None or challenge.approved_by_id is None or challenge.approval_requested_by is None:
        return
    approver = db.session.get(User, challenge.approved_by_id)
    title = _l("“%(title)s” is approved and published", title=challenge.title)
    body = _l("%(name)s approved your draft: it is public now, and matching companies are being told about it.",
              name=approver.name if approver else "")
    notify_all([Notice(challenge.approval_requested_by, "challenge.approved", title, f"approved:{event.id}",
                       body=body, link=links.challenge_path(challenge), email_template="notification")])


def send_back(actor, slug, reason, expected_version=None):
    """Four eyes, the other answer: the approver does not publish and says why; the draft goes back to its author
    (the request is withdrawn: a fresh one is asked once it is changed)."""
    challenge = access.challenge(actor, slug)
    permissions.require(actor, "challenge.approve", challenge)  # first, so outsiders learn nothing of the draft
    require_approval_asked(challenge)
    if _is_stale(challenge, expected_version):
        raise StaleState(str(_l("The draft changed after you opened it. Read it again before you send it back.")))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": SEND_BACK_REASON_MISSING})
    if len(reason) > CANCEL_REASON_MAX:
        raise ValidationFailed({"reason": CANCEL_REASON_TOO_LONG})
    asker_id = challenge.approval_requested_by_id
    challenge.approval_requested_at = None
    challenge.approval_requested_by_id = None
    record_change(actor, "challenge.approval_refused", challenge, after={"reason": reason},
                  challenge_id=challenge.id, payload={"asker_id": asker_id, "reason": reason})
    _commit_versioned()
    return challenge


class SentBack(NamedTuple):
    by: str  # the approver's name ("" once their account is gone)
    at: datetime
    reason: str


def latest_send_back(challenge):
    """Four eyes: the draft's latest send-back (who, when, why) while it is the last word on the draft: until
    approval is asked again or the draft is published; None otherwise. For the draft's pages (its agency's people)."""
    if not lifecycle.state_of(challenge).draft or awaits_approval(challenge):
        return None
    row = db.session.execute(
        select(AuditEvent.action, AuditEvent.occurred_at, AuditEvent.after, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.challenge_id == challenge.id,
               AuditEvent.action.in_(("challenge.approval_refused", "challenge.approval_requested",
                                      "challenge.published")))
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    if row is None or row.action != "challenge.approval_refused":
        return None
    return SentBack(row.name or "", row.occurred_at, (row.after or {}).get("reason", ""))


@handles("challenge.approval_refused")
def tell_the_asker_it_was_sent_back(event):
    """The author hears, by notice and by email, that the draft was sent back, by whom and why (once)."""
    challenge = db.session.get(Challenge, event.payload["object_id"])
    asker = db.session.get(User, event.payload["asker_id"]) if event.payload.get("asker_id") else None
    if challenge is None or asker is None:
        return
    approver = db.session.get(User, event.payload["actor_id"]) if event.payload.get("actor_id") else None
    title = _l("“%(title)s” was sent back to you", title=challenge.title)
    body = _l("%(name)s did not publish the draft. What needs changing: %(reason)s",
              name=approver.name if approver else "", reason=event.payload.get("reason", ""))
    notify_all([Notice(asker, "challenge.approval_refused", title, f"sent-back:{event.id}", body=body,
                       link=links.challenge_preview_path(challenge), email_template="notification")])


@dataclass(frozen=True)
class Cancelling:
    """What cancelling says, by whom the reason reaches: a published challenge's is public and its companies are
    told; a draft's is read by its agency alone, and nobody outside it hears of it (`tell_of_the_cancellation`)."""

    reason_missing: object  # the reason's error when none is given
    reason_help: object  # beside the reason's field
    consequences: object  # the page's sentence before the form
    done: object  # once it is cancelled


CANCELLING = {
    True: Cancelling(CANCEL_REASON_MISSING, _l("This is shown on the challenge page to everyone."),
                     _l("Companies that pitched or follow the challenge are told. This cannot be undone."),
                     _l("The challenge is cancelled. The reason is shown on its page.")),
    False: Cancelling(CANCEL_DRAFT_REASON_MISSING,
                      _l("Only your agency reads it: the draft was never published, so no company is told."),
                      _l("The draft was never published: no company is told of its cancellation. This cannot be "
                         "undone."),
                      _l("The draft is cancelled. Only your agency sees it, with the reason.")),
}


def cancelling(challenge):
    """The words of cancelling this challenge (`Cancelling`): a published one's, or a draft's."""
    return CANCELLING[not lifecycle.state_of(challenge).draft]


def cancel_challenge(actor, slug, reason):
    challenge = access.challenge(actor, slug)
    permissions.require(actor, "challenge.cancel", challenge)
    lifecycle.require_move(challenge, CANCELLED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": cancelling(challenge).reason_missing})
    if len(reason) > CANCEL_REASON_MAX:
        raise ValidationFailed({"reason": CANCEL_REASON_TOO_LONG})
    lifecycle.move_challenge(actor, challenge, CANCELLED, changes={"cancel_reason": reason})
    _commit_versioned()
    return challenge


@handles("challenge.cancelled")
def tell_of_the_cancellation(event):
    """Equal treatment (`audience`): every person of every company concerned hears of the cancellation and its
    public reason, once; so does the agency's panel that had declared on its evaluation (recused or not), which has
    stopped."""
    challenge = db.session.get(Challenge, event.payload["object_id"])
    if challenge is None or not lifecycle.state_of(challenge).called_off or challenge.published_at is None:
        return  # a draft cancelled before it went live concerns nobody outside its agency
    title = _l("“%(title)s” has been cancelled", title=challenge.title)
    told = [Notice(user, "challenge.cancelled", title, f"cancelled:{challenge.id}:{user.id}",
                   body=_l("%(agency)s gave this reason: %(reason)s", agency=challenge.agency.name,
                           reason=challenge.cancel_reason),
                   link=links.challenge_path(challenge), email_template="notification")
            for user in people_concerned(challenge)]
    # Everyone who declared on its evaluation, a recused member too (pitch sessions booked before stepping aside may
    # be in their calendar): the notice says nothing of the pitches. Still on the panel: the panel's rule says so.
    declared = db.session.scalars(
        select(User).join(ConflictDeclaration, ConflictDeclaration.evaluator_id == User.id)
        .where(ConflictDeclaration.challenge_id == challenge.id, User.id != event.payload.get("actor_id"))
        .order_by(User.id)).all()
    panel = [user for user in declared if permissions.can(user, "evaluation.score", challenge)]
    told += [Notice(user, "challenge.cancelled", title, f"cancelled:{challenge.id}:{user.id}",
                    body=_l("Its evaluation has stopped: nothing in it can change any more. The reason given: "
                            "%(reason)s", reason=challenge.cancel_reason),
                    link=links.evaluation_path(challenge), email_template="notification") for user in panel]
    notify_all(told)


def close_challenge(challenge, actor=None, now=None):
    """Close a published challenge whose pitch deadline has passed; a no-op otherwise (beat may repeat)."""
    now = now or utcnow()
    if not lifecycle.may_move(challenge, CLOSED, now=now):
        return False
    lifecycle.move_challenge(actor, challenge, CLOSED, now=now)
    return True


def publish_consultation_summary(actor, slug, summary):
    """A market consultation ends with a public summary of what the market offered."""
    challenge = access.challenge(actor, slug)
    permissions.require(actor, "challenge.edit", challenge)
    lifecycle.require_move(challenge, COMPLETED)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationFailed({"summary": CONSULTATION_SUMMARY_MISSING})
    if len(summary) > CONSULTATION_SUMMARY_MAX:
        raise ValidationFailed({"summary": CONSULTATION_SUMMARY_TOO_LONG})
    lifecycle.move_challenge(actor, challenge, COMPLETED, changes={"consultation_summary": summary})
    _commit_versioned()
    return challenge


def latest_open_challenges(limit=6):
    """The challenges most recently opened for pitches, as `listed_columns` rows (the home page), read once per
    state of the public data."""
    return public_data.kept_while_unchanged(("latest open", limit),
                                            lambda: db.session.execute(_latest_open(limit)).all())


@cache
def _latest_open(limit):  # a statement is immutable: built once, not at every visit of the home page
    return (select(*listed_columns()).where(is_public(), Challenge.status.in_(lifecycle.TAKING_PITCHES))
            .order_by(Challenge.published_at.desc(), Challenge.id.desc()).limit(limit))


@cache
def listed_columns():
    """What a list of challenges on a page shows of each one (the list, the search, the home page): rows of these
    columns rather than Challenge objects with their agency. An object carries every text of the challenge (the
    problem statement, the context and their HTML: kilobytes a row read, sent and decoded for nothing) and costs
    the ORM's bookkeeping; the agency's name comes from a subquery (of an alias, never correlated with a join
    of organisations that a filter adds). Built once: making the alias costs more than the rest of the query."""
    agency = aliased(Organisation)
    agency_name = select(agency.name).where(agency.id == Challenge.agency_id).scalar_subquery()
    return (Challenge.id, Challenge.slug, Challenge.title, Challenge.summary, Challenge.status, Challenge.kind,
            Challenge.budget_min, Challenge.budget_max, Challenge.currency, Challenge.pitch_deadline,
            Challenge.language, agency_name.label("agency_name"))


# ---- Finding challenges ---------------------------------------------------------------------------------

SORTS = {
    "newest": lambda: (Challenge.published_at.desc(), Challenge.id.desc()),
    "relevance": lambda: (Challenge.published_at.desc(), Challenge.id.desc()),  # ranked in search_challenges
    # The challenges still taking pitches first, the soonest deadline first; then the others (their deadlines
    # passed), by deadline too: not the challenges closed years ago before every open one.
    "deadline": lambda: (_taking_pitches_first(), Challenge.pitch_deadline.asc(), Challenge.id),
    # The 0 written in the SQL, not bound: so the expressions are those of the indexes (models/challenge.py).
    "budget_high": lambda: (func.coalesce(Challenge.budget_max, Challenge.budget_min, literal_column("0")).desc(),
                            Challenge.id),
    "budget_low": lambda: (func.coalesce(Challenge.budget_min, Challenge.budget_max, literal_column("0")).asc(),
                           Challenge.id),
}


def _taking_pitches_first():
    """0 for a challenge taking pitches (the lifecycle's TAKING_PITCHES), 1 for any other. Its statuses and numbers
    are written in the SQL, not bound, and compared one by one (`status = 'published'`, not `IN (…)`, which SQLite
    does not see as the same expression), so the expression is that of the index the order is read in
    (models/challenge.py, DEADLINE_SORT_INDEX), which a test compares with this one."""
    taking = or_(*(Challenge.status == literal_column(f"'{status}'", String) for status in lifecycle.TAKING_PITCHES))
    return case((taking, literal_column("0")), else_=literal_column("1"))


DEFAULT_SORTS = ("relevance",)

# What a search may ask for, at most: the page and the API share these.
MAX_QUERY = 200
MAX_SECTORS = 20
MAX_AGENCY = 220
MAX_TYPED_AMOUNT = 40  # a budget limit typed that is not an amount is given back this long at most
MAX_TYPED_SECTOR = 40  # so is a sector code that is no CPV division
MAX_TYPED_QUERY = 2000  # and a query longer than MAX_QUERY
# Why a filter asked for is left out of a search (`ChallengeFilters.problems`); an unknown sector: cpv.sector_problem.
QUERY_TOO_LONG = _l("Enter at most %(n)s characters to search for.", n=lazy(number, MAX_QUERY))
MAX_PAGE = 10000
# A text search counts its matches exactly up to this many, and pages through these first ones only.
MAX_COUNTED = 1000


class FilterShape(NamedTuple):
    """Which filters a search asks for (ChallengeFilters.shape)."""

    text: bool | str
    sectors: bool
    agency: bool
    statuses: bool
    budget_min: bool
    budget_max: bool
    closing_soon: bool
    sort: str
    updated_since: bool


@dataclass
class ChallengeFilters:
    """What a visitor asked for, already checked; unknown values are dropped, never an error page, except what a
    person typed or chose in the list's form (a budget, a sector, the words): what of it cannot be read is left out
    of the search but kept, for the page to show with the reason and for a saved search or the API to refuse
    (`problems`), never a filter dropped without a word."""

    q: str = ""
    sectors: list = field(default_factory=list)
    agency: str = ""
    statuses: list = field(default_factory=list)
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    closing_soon: bool = False
    sort: str = "newest"
    page: int = 1
    updated_since: datetime | None = None  # the API's harvesters: changed at or after this moment
    # Budget limits typed that are not an amount (name -> the text as typed): left out of the search, but given back
    # to the page, which shows them with the reason instead of emptying the field. Not part of the search's shape.
    unread_amounts: dict = field(default_factory=dict)
    # Sector codes asked for that are no CPV division, as typed: left out of the search likewise.
    unknown_sectors: list = field(default_factory=list)
    # The words as typed when longer than MAX_QUERY: the search uses the first MAX_QUERY characters (`q`).
    long_query: str = ""

    @classmethod
    def from_args(cls, args):
        """From a query string (a MultiDict or a plain dict)."""
        getlist = args.getlist if hasattr(args, "getlist") else (lambda k: [v for v in [args.get(k)] if v])

        unread_amounts = {}

        def amount(name):
            try:
                value = parse_amount(args.get(name))
            except NotAnAmount:
                value = None
            if value is not None and 0 <= value <= MAX_BUDGET:
                # 20000, not 20000.0, shown back in its field and written into links
                return value.to_integral_value() if value == value.to_integral_value() else value
            if str(args.get(name) or "").strip():
                unread_amounts[name] = str(args.get(name)).strip()[:MAX_TYPED_AMOUNT]
            return None

        try:
            page = max(1, min(int(args.get("page", 1)), MAX_PAGE))
        except (TypeError, ValueError):
            page = 1
        typed_q = str(args.get("q", "")).strip()
        q = typed_q[:MAX_QUERY]
        sectors, unknown_sectors = [], []
        for code in getlist("sector"):
            code = str(code).strip()
            if is_cpv_division(code):
                sectors.append(code)
            elif code:  # the list's "Any sector" sends an empty one
                unknown_sectors.append(code[:MAX_TYPED_SECTOR])
        # Best matches first when searching, unless another order is asked for; with no words "best match" is the
        # newest first. The list's menu always offers it and selects it by default, so words typed on a list
        # never searched are ranked by relevance (a menu showing "newest" sent sort=newest with them).
        sort = args.get("sort") or "relevance"
        return cls(
            q=q,
            sectors=sectors[:MAX_SECTORS],
            agency=str(args.get("agency", "")).strip()[:MAX_AGENCY],
            statuses=[s for s in getlist("status") if s in PUBLIC_STATUSES],
            budget_min=amount("budget_min"),
            budget_max=amount("budget_max"),
            closing_soon=args.get("closing_soon") in ("1", "on", "true", "yes"),
            sort=sort if sort in SORTS else "newest",
            page=page,
            unread_amounts=unread_amounts,
            unknown_sectors=list(dict.fromkeys(unknown_sectors))[:MAX_SECTORS],
            long_query=typed_q[:MAX_TYPED_QUERY] if len(typed_q) > MAX_QUERY else "",
        )

    def problems(self):
        """{filter's name: why what was asked for it is left out of the search}, empty when every filter asked for
        was read: a saved search and the API refuse these, the list page shows them beside their filters."""
        problems = {}
        if self.long_query:
            problems["q"] = QUERY_TOO_LONG
        if self.unknown_sectors:
            problems["sector"] = sector_problem(self.unknown_sectors)
        for name, typed in self.unread_amounts.items():
            problems[name] = _l("“%(typed)s” is not an amount in euros.", typed=typed)
        return problems

    @property
    def budget_range_inverted(self):
        """True when the budget asked for starts above where it ends: no challenge can match both limits."""
        return self.budget_min is not None and self.budget_max is not None and self.budget_min > self.budget_max

    def shape(self, dialect):
        """Which filters are asked for, not their values: what a search's statement is made of (`_filtered`; the
        values are its parameters, `_values`). On SQLite a text search's statement is made of the query's words,
        so the query is its `text` there; on PostgreSQL `text` is True for a text search."""
        text = bool(search.query_terms(self.q))
        return FilterShape(text=self.q if text and dialect != "postgresql" else text, sectors=bool(self.sectors),
                           agency=bool(self.agency), statuses=bool(self.statuses),
                           budget_min=self.budget_min is not None, budget_max=self.budget_max is not None,
                           closing_soon=self.closing_soon, sort=self.sort, updated_since=self.updated_since is not None)

    def to_args(self, typed=False):
        """The list page's query arguments that ask for these filters again (the page number left out). `typed`:
        with what was asked for but is left out of the search (`problems`) as it was typed, for a link that must
        not lose it (from the list to saving it as a search, and back)."""
        def amount(name):
            value = getattr(self, name)
            return str(value) if value is not None else (self.unread_amounts.get(name, "") if typed else "")

        args = {"q": self.long_query or self.q if typed else self.q,
                "sector": list(self.sectors) + (list(self.unknown_sectors) if typed else []),
                "agency": self.agency, "status": list(self.statuses),
                "budget_min": amount("budget_min"), "budget_max": amount("budget_max"),
                "closing_soon": "1" if self.closing_soon else ""}
        if self.sort not in (DEFAULT_SORTS if search.query_terms(self.q) else DEFAULT_SORTS + ("newest",)):
            args["sort"] = self.sort  # without words the newest first is the default order too (feeds' ids kept)
        return {name: value for name, value in args.items() if value}


# The SQL condition of a challenge the public may see: the lifecycle's (published once, not a draft).
is_public = lifecycle.public_condition


def search_challenges(filters, per_page=20, now=None, language=None, listed=False, ids_when_kept=False):
    """One page of the public challenges the filters ask for: Challenge objects with their agency, or with
    `listed` rows of `listed_columns` (what the list page shows). With `ids_when_kept`, a page whose ids are kept
    (see paging.paginate) gives those ids alone as its items and reads no challenge: for who keeps what it writes
    of each one (challenge_exports.written_per_challenge), which reads only the challenges it has not kept.

    A text search is answered from what the process keeps of the public challenges (catalogue.py): ranked among
    its matches only (after every filter), counted exactly up to MAX_COUNTED matches ("more than" beyond), and
    paged through those first matches only. `language` is the visitor's (default: the current locale).
    """
    dialect = db.session.get_bind().dialect.name
    language = language or str(get_locale() or "")
    shape = filters.shape(dialect)
    values = _values(filters, now, language, dialect)
    read_by_id = _listed_by_id if listed else (ids_alone if ids_when_kept else challenges_by_id)
    if shape.text:
        return _text_search(shape, values, filters.page, per_page, read_by_id, dialect)
    public = not filters.closing_soon  # "closing soon" moves with the clock, not only with the data
    return paginate(_statement(shape, listed, dialect), filters.page, per_page, public=public, read_by_id=read_by_id,
                    values=values)


def _text_search(shape, values, page, per_page, read_by_id, dialect):
    bound = max(MAX_COUNTED, per_page)  # the CSV's: 10,000
    kept = catalogue.catalogue(catalogue_reads(dialect), read_tuples)
    text_values = {name: values[name] for name in ("search_query",) if name in values}
    found = catalogue.matches(kept, (dialect, shape.text, tuple(sorted(text_values.items()))),
                              lambda: read_rows(_matched(dialect, shape.text), text_values).all())
    if shape.agency:
        values = dict(values, agency_id=public_data.kept_while_unchanged(("agency id", values["agency"]), lambda: (
            db.session.scalar(select(Organisation.id).where(Organisation.slug == values["agency"])))))
    ids, counted = catalogue.find(kept, found, values, shape.sort, (page - 1) * per_page, per_page, bound)
    by_id = read_by_id(ids) if ids else {}
    return Page(items=[by_id[i] for i in ids if i in by_id], total=min(counted, bound), page=page,
                per_page=per_page, more=counted > bound)


@lru_cache(maxsize=256)
def _matched(dialect, text):
    """The ids of the public challenges a text search matches (`text`: its words on SQLite, True on PostgreSQL,
    where the query is the parameter `search_query`), with their rank where the database ranks them."""
    condition, rank = search.text_condition(dialect, text)
    return (select(Challenge.id, *([rank] if rank is not None else [])).where(is_public(), condition)
            .order_by(Challenge.id))


@lru_cache(maxsize=8)
def catalogue_reads(dialect):
    """The statements the kept catalogue of the public challenges is read with (catalogue.py): what the filters
    and orders read of each public challenge, by the filters' own expressions (`_filtered`), and the sectors of
    every challenge as numbers (those of drafts are left out there: joining the public challenges cost more). Without
    parameters: read as the driver's tuples (`paging.read_tuples`)."""
    columns = (select(Challenge.id, Challenge.status, Challenge.agency_id, cast(budget_upper(), Float),
                      cast(budget_lower(), Float), epoch_microseconds(Challenge.updated_at),
                      func.coalesce(epoch_microseconds(Challenge.pitch_deadline),
                                    literal_column(str(catalogue.NO_DEADLINE))),
                      epoch_microseconds(Challenge.published_at))
               .where(is_public()).order_by(Challenge.id))
    divisions = select(challenge_sectors.c.challenge_id, cast(challenge_sectors.c.cpv_division, Integer))
    return {"columns": columns, "sectors": divisions}


def budget_upper():
    """The most a challenge may spend: what "budget from" compares (ranges overlap)."""
    return func.coalesce(Challenge.budget_max, Challenge.budget_min)


def budget_lower():
    """The least a challenge may spend: what "budget up to" compares."""
    return func.coalesce(Challenge.budget_min, Challenge.budget_max)


@lru_cache(maxsize=1024)
def _statement(shape, listed, dialect):
    """The list's statement for filters of this shape without words (their values are its parameters,
    `_values`, the clock's "closing soon" included), in its order.

    Built once per shape (`ChallengeFilters.shape`) and database in this process: a statement is immutable, and
    building one and what paging derives from it (the count's statement, SQLAlchemy's cache keys) cost a search
    1–2 ms of Python, more than a page asked again costs in all."""
    query, _ = _filtered(shape, dialect)
    order = SORTS[shape.sort]()
    if listed:
        return query.with_only_columns(*listed_columns()).order_by(*order)
    # the list names each challenge's agency: loaded with the page, not one query each
    return query.options(joinedload(Challenge.agency)).order_by(*order)


def _listed_by_id(ids):
    """{id: its `listed_columns` row}, each row kept per state of the public data (like the HTML written of it,
    web/fragments.py): a page of a list asked again, its ids kept, reads no row."""
    def read(missing):
        wanted = [challenge_id for _, challenge_id in missing]
        return {(_LISTED, row.id): row
                for row in db.session.execute(select(*listed_columns()).where(Challenge.id.in_(wanted)))}

    return {key[1]: row for key, row in public_data.kept_items.get_many([(_LISTED, i) for i in ids], read).items()}


_LISTED = "listed row"


def challenges_by_id(ids):
    """{id: the Challenge with its agency} in one query."""
    return {challenge.id: challenge for challenge in db.session.scalars(
        select(Challenge).options(joinedload(Challenge.agency)).where(Challenge.id.in_(ids))).unique()}


def filtered_query(filters, now=None, language=None):
    """(The SELECT of the public challenges the filters keep, unordered, with their values; the text rank or None)."""
    dialect = db.session.get_bind().dialect.name
    query, rank = _filtered(filters.shape(dialect), dialect)
    values = _values(filters, now, language or str(get_locale() or ""), dialect)
    return query.params(values), (rank.params(values) if rank is not None else None)


def _filtered(shape, dialect):
    """(The SELECT of the public challenges filters of this shape keep, unordered; the text rank or None): the
    values are bound parameters, named as in `_values`."""
    query = select(Challenge).where(is_public())
    if shape.statuses:
        # Not "IN every public status" when none is chosen: is_public says that already, and PostgreSQL AND-ed the
        # status index (nine challenges in ten) into every text search, a bitmap of 46,000 rows (4 ms) each time.
        query = query.where(Challenge.status.in_(bindparam("statuses", expanding=True)))
    rank = None
    if shape.text:
        condition, rank = search.text_condition(dialect, shape.text)
        query = query.where(condition)
    if shape.sectors:
        query = query.where(Challenge.id.in_(select(challenge_sectors.c.challenge_id).where(
            challenge_sectors.c.cpv_division.in_(bindparam("sectors", expanding=True)))))
    if shape.agency:
        query = query.join(Organisation, Organisation.id == Challenge.agency_id).where(
            Organisation.slug == bindparam("agency", type_=String))
    # Budget filters keep challenges whose range overlaps the one asked for.
    if shape.budget_min:
        query = query.where(budget_upper() >= bindparam("budget_min", type_=Challenge.budget_min.type))
    if shape.budget_max:
        query = query.where(budget_lower() <= bindparam("budget_max", type_=Challenge.budget_max.type))
    if shape.updated_since:
        query = query.where(Challenge.updated_at >= bindparam("updated_since", type_=Challenge.updated_at.type))
    if shape.closing_soon:
        query = query.where(Challenge.status.in_(lifecycle.TAKING_PITCHES),
                            Challenge.pitch_deadline > bindparam("soon_from", type_=Challenge.pitch_deadline.type),
                            Challenge.pitch_deadline <= bindparam("soon_until", type_=Challenge.pitch_deadline.type))
    return query, rank


def _values(filters, now, language, dialect):
    """The values of the filters asked for: the parameters of `_filtered`'s statement."""
    values = {}
    if filters.statuses:
        values["statuses"] = list(filters.statuses)
    if search.query_terms(filters.q):
        values.update(search.text_values(dialect, filters.q, language))
    if filters.sectors:
        values["sectors"] = list(filters.sectors)
    if filters.agency:
        values["agency"] = filters.agency
    if filters.budget_min is not None:
        values["budget_min"] = filters.budget_min
    if filters.budget_max is not None:
        values["budget_max"] = filters.budget_max
    if filters.updated_since is not None:
        values["updated_since"] = filters.updated_since
    if filters.closing_soon:
        now = now or utcnow()
        values.update(soon_from=now, soon_until=now + CLOSING_SOON)
    return values


def sectors_by_challenge(challenge_ids):
    """{challenge id: [CPV division, …]} in one query."""
    sectors = defaultdict(list)
    if challenge_ids:
        for row in db.session.execute(select(challenge_sectors).where(
                challenge_sectors.c.challenge_id.in_(challenge_ids)).order_by(challenge_sectors.c.cpv_division)):
            sectors[row.challenge_id].append(row.cpv_division)
    return sectors


def agencies_with_public_challenges():
    # One index probe per agency (EXISTS on challenges.agency_id), not a scan of every challenge: there are
    # hundreds of agencies and tens of thousands of challenges. Kept until the public data change.
    has_public = select(Challenge.id).where(Challenge.agency_id == Organisation.id, is_public()).exists()
    # A tuple of (slug, name) pairs: the list page's <select> is escaped once per tuple (web/template_helpers.py).
    return public_data.kept_while_unchanged("agencies with public challenges", lambda: tuple(
        tuple(row) for row in db.session.execute(
            select(Organisation.slug, Organisation.name).where(Organisation.kind == "agency", has_public)
            .order_by(Organisation.name))))
