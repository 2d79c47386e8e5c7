"""Corrections and extensions after publishing: the text corrected, the deadlines extended, never brought forward.

A publisher of the agency (`permissions`, "challenge.correct") corrects a published challenge's text and moves
its deadlines later while it is open for pitches and sealed (`lifecycle.correction_refused`). Each change is a
dated public `ChallengeNotice` saying what changed and why: shown on the challenge page, recorded in the audit
trail, sent once to every company concerned (`audience.people_concerned`) and published in OCDS as a tender
amendment (`open_data/ocds.py`). Once the first pitch has arrived, what pitches are judged against (the criteria
and their weights) and the budget stay as published: the companies that pitched did so against them.

An extended pitch deadline moves everything that follows it: the seal (`pitches/seal.py`) and beat's closing
(`lifecycle.due_condition`) read the column, and the 48-hour reminder is keyed by the deadline it reminds of.
"""
from datetime import datetime
from decimal import Decimal
from functools import cache
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, or_, select

from marketplace.extensions import db
from marketplace.formatting import lazy, listed, localtime, money, number
from marketplace.models import ChallengeNotice, EvaluationCriterion, Pitch
from marketplace.services import access, permissions
from marketplace.services.challenges import challenges, lifecycle
from marketplace.services.challenges.audience import people_concerned
from marketplace.services.clock import utcnow
from marketplace.services.errors import InvalidTransition, StaleState, ValidationFailed
from marketplace.services.messaging import links
from marketplace.services.messaging.events import record_change, snapshot
from marketplace.services.messaging.notice_text import lines
from marketplace.services.messaging.notifications import Notice, notify_all
from marketplace.services.messaging.outbox import handles
from marketplace.services.pitches import lifecycle as pitch_lifecycle

TEXTS = ("title", "summary", "problem_statement", "context", "affected", "desired_outcomes", "constraints")
DEADLINES = ("question_deadline", "pitch_deadline")
BUDGET = ("budget_min", "budget_max")
EQUAL_TREATMENT = BUDGET + ("criteria",)  # fixed once the first pitch has arrived
FIELDS = TEXTS + DEADLINES + EQUAL_TREATMENT
LABELS = {
    "title": _l("Title"), "summary": _l("Summary"), "problem_statement": _l("The problem"),
    "context": _l("Context"), "affected": _l("Who is affected"), "desired_outcomes": _l("Desired outcomes"),
    "constraints": _l("Constraints and out of scope"), "question_deadline": _l("Questions close"),
    "pitch_deadline": _l("Pitch deadline"), "budget_min": _l("Budget from (euro)"),
    "budget_max": _l("Budget up to (euro)"), "criteria": _l("Evaluation criteria"),
}
# Limits and messages the form (marketplace/forms/challenges.py) shows too: written here only.
REASON_MAX = 2000
REASON_MISSING = _l("Say what you changed and why: the explanation is published with the notice.")
REASON_TOO_LONG = _l("The explanation must be %(n)s characters or fewer.", n=lazy(number, REASON_MAX))
NOT_BROUGHT_FORWARD = _l("A deadline can be extended, never brought forward: companies plan their work on it.")
DEADLINE_MISSING = _l("Enter a date and time.")
UNEQUAL = _l("A pitch has already arrived, written against the published criteria, weights and budget: changing "
             "them now would treat the companies unequally. If they must change, cancel the challenge and "
             "publish a new one.")
NOTHING_CHANGED = _l("Nothing was changed: correct a text or extend a deadline.")


def first_pitch_arrived(challenge, *, lock=False):
    """True once any company has submitted a pitch (even one withdrawn since).

    With `lock` (PostgreSQL), the challenge's pitches are locked first until the caller commits: a submission
    under way is waited for and counted, and one that starts meanwhile waits for the change.
    """
    if lock and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Pitch.id).where(Pitch.challenge_id == challenge.id).with_for_update())
    return bool(db.session.scalar(select(exists().where(
        Pitch.challenge_id == challenge.id,
        or_(Pitch.submitted_at.is_not(None), Pitch.status.in_(pitch_lifecycle.RECEIVED))))))


def may_correct_now(user, challenge):
    """Whether `user` may correct or extend `challenge` now: the links to the correction page ask this."""
    return permissions.can(user, "challenge.correct", challenge) and lifecycle.correction_refused(challenge) is None


def correction_form_state(user, challenge):
    """For the publisher's page: (why it cannot be corrected now or None, whether criteria and budget are fixed)."""
    permissions.require(user, "challenge.correct", challenge)
    return lifecycle.correction_refused(challenge), first_pitch_arrived(challenge)


def _criteria(challenge):
    return [{"name": c.name, "description": c.description, "weight": c.weight} for c in challenge.criteria]


def _current(challenge):
    values = {name: getattr(challenge, name) for name in TEXTS + DEADLINES + BUDGET}
    values["criteria"] = _criteria(challenge)
    return values


def _to_the_minute(value):
    return value.replace(second=0, microsecond=0) if isinstance(value, datetime) else value


def _differs(name, before, after):
    if name in DEADLINES:  # the form shows deadlines to the minute: the same minute is no change
        return after is None or _to_the_minute(before) != _to_the_minute(after)
    if name in BUDGET:
        return (None if before is None else Decimal(before)) != (None if after is None else Decimal(after))
    if name in TEXTS:  # a text stored with the CR LF a browser sent before is the same text with LF
        return (before or "").replace("\r\n", "\n") != after
    return before != after


def _clean(challenge, changes):
    """The challenge's values with `changes` over them, checked as a draft's are (limits, weights, dates)."""
    data = {**_current(challenge), "kind": challenge.kind, "language": challenge.language,
            "currency": challenge.currency, "pilot_duration_weeks": challenge.pilot_duration_weeks,
            "sectors": challenge.sectors,
            "success_measures": [{"measure": m.measure, "baseline": m.baseline, "target": m.target}
                                 for m in challenge.success_measures]}
    data.update({name: changes[name] for name in FIELDS if name in changes})
    return challenges.check_draft(data)


def _reason(changes):
    reason = (changes.get("reason") or "").strip()
    if not reason:
        return reason, REASON_MISSING
    if len(reason) > REASON_MAX:
        return reason, REASON_TOO_LONG
    return reason, None


def _deadline_refusals(before, values, changed):
    """{deadline: reason} against the deadlines changed: one removed, or brought forward."""
    errors = {}
    for name in DEADLINES:
        if name in changed and values[name] is None:
            errors[name] = DEADLINE_MISSING
        elif name in changed and before[name] is not None and values[name] < before[name]:
            errors[name] = NOT_BROUGHT_FORWARD
    return errors


def _refusals(challenge, before, clean, changed, now):
    """{field: reason} against the changes: a deadline brought forward, an unequal change, an unpublishable text."""
    errors = _deadline_refusals(before, clean, changed)
    unequal = [name for name in EQUAL_TREATMENT if name in changed]
    if unequal and first_pitch_arrived(challenge, lock=True):
        errors.update({name: UNEQUAL for name in unequal})
    # The corrected challenge must still be one that could be published: a summary, a problem, criteria adding
    # up to 100, deadlines in the future. Only the fields changed are judged; the others were published so.
    after = SimpleNamespace(**{**before, **{n: clean[n] for n in changed}})
    after.kind, after.success_measures = challenge.kind, challenge.success_measures
    after.criteria = [SimpleNamespace(**c) for c in after.criteria]
    for name, problem in lifecycle.publishable_fields(after, now).items():
        if name in changed:
            errors.setdefault(name, problem)
    return errors


def correct_published_challenge(actor, challenge_id, changes, *, expected_version=None):
    """Correct or extend a published challenge: its dated public notice (a ChallengeNotice), or the reasons why not.

    `challenge_id` is the challenge's id (or its slug); `changes` holds the fields to change (FIELDS: texts,
    deadlines as aware datetimes, budget, criteria as a draft's are given) and `reason`, the publisher's public
    explanation. Raises InvalidTransition when the challenge cannot be corrected now, StaleState when someone
    changed it meanwhile, ValidationFailed naming each field refused and why.
    """
    challenge = (access.challenge(actor, id=challenge_id) if isinstance(challenge_id, int)
                 else access.challenge(actor, challenge_id))
    permissions.require(actor, "challenge.correct", challenge)
    now = utcnow()
    refused = lifecycle.correction_refused(challenge)
    if refused is not None:
        raise InvalidTransition(str(refused))
    if challenges._is_stale(challenge, expected_version):
        raise StaleState(str(_l("Someone else changed this challenge while you were correcting it. "
                                           "Nothing was saved: reload the page to see the challenge as it is now.")))
    reason, reason_problem = _reason(changes)
    before = _current(challenge)
    try:
        clean = _clean(challenge, changes)
    except ValidationFailed as exc:
        if reason_problem is not None:
            exc.errors.setdefault("reason", [reason_problem])
        # A deadline brought forward is said now too, first on its field: not only once the rest is fixed.
        given = [name for name in DEADLINES if name in changes and _differs(name, before[name], changes[name])]
        for name, problem in _deadline_refusals(before, changes, given).items():
            exc.errors[name] = [problem, *(m for m in exc.errors.get(name, []) if m != problem)]
        raise
    changed = [name for name in FIELDS if name in changes and _differs(name, before[name], clean[name])]
    errors = _refusals(challenge, before, clean, changed, now)
    if reason_problem is not None:
        errors["reason"] = reason_problem
    if not changed and not errors:
        errors[""] = NOTHING_CHANGED
    if errors:
        raise ValidationFailed(errors)
    for name in changed:
        if name == "criteria":
            challenge.criteria = [EvaluationCriterion(position=i, **c) for i, c in enumerate(clean["criteria"])]
        else:
            setattr(challenge, name, clean[name])
    notice = ChallengeNotice(challenge_id=challenge.id, author_id=actor.id, reason=reason, created_at=now,
                             changes=[{"field": n, **snapshot(SimpleNamespace(before=before[n], after=clean[n]),
                                                               "before", "after")} for n in changed])
    db.session.add(notice)
    record_change(actor, "challenge.corrected", notice, before={n: before[n] for n in changed},
                  after={**{n: clean[n] for n in changed}, "reason": reason}, challenge_id=challenge.id)
    challenges._commit_versioned()
    return notice


def notices_of(challenge):
    """The challenge's public notices, oldest first."""
    return db.session.scalars(_notices_of(), {"challenge_id": challenge.id}).all()


@cache
def _notices_of():  # built once: every view of a challenge page reads its notices
    return (select(ChallengeNotice).where(ChallengeNotice.challenge_id == bindparam("challenge_id"))
            .order_by(ChallengeNotice.created_at, ChallengeNotice.id))


def _moment(value):
    return datetime.fromisoformat(value) if value else None


def _amount(value):
    return lazy(money, Decimal(value)) if value is not None else "—"


def describe(notice):
    """What the notice changed, one sentence per field, each formatted when shown (in the reader's language)."""
    lines = []
    for change in notice.changes:
        name, before, after = change["field"], change["before"], change["after"]
        if name in DEADLINES:
            lines.append(_l("%(what)s: extended from %(before)s to %(after)s.", what=LABELS[name],
                            before=lazy(localtime, _moment(before)), after=lazy(localtime, _moment(after))))
        elif name in BUDGET:
            lines.append(_l("%(what)s: changed from %(before)s to %(after)s.", what=LABELS[name],
                            before=_amount(before), after=_amount(after)))
        elif name == "criteria":
            lines.append(_l("Evaluation criteria changed to: %(criteria)s.",
                            criteria=lazy(listed, [f"{c['name']} ({c['weight']} %)" for c in after])))
        elif name == "title":
            lines.append(_l("Title corrected: “%(before)s” is now “%(after)s”.", before=before, after=after))
        else:
            lines.append(_l("“%(what)s” corrected.", what=LABELS[name]))
    return lines


def _body(notice):
    """What changed, then the agency's reason: kept by each notice as messages and values, so each reader reads
    the changes in their language (the reason stays as the agency wrote it)."""
    return lines(*describe(notice), "", notice.reason)


@handles("challenge.corrected")
def send_the_notice(event):
    """Every company concerned hears of the notice, once per person."""
    notice = db.session.get(ChallengeNotice, event.payload["object_id"])
    if notice is None:
        return
    challenge = notice.challenge
    link = links.challenge_path(challenge)
    title = _l("Notice: “%(title)s” has been corrected or extended", title=challenge.title)
    notify_all([Notice(user, "challenge.corrected", title, f"notice:{notice.id}:{user.id}", body=_body(notice),
                       link=link, email_template="notification") for user in people_concerned(challenge)])
