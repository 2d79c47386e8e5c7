"""OCDS 1.1.5: every published challenge as a contracting process, one release per lifecycle change.

A challenge is a `tender` (a market consultation a `planning` process), its
selected pitches are `awards`, its pilots `contracts` whose `implementation`
milestones follow the pilot's stages and checklists, and the organisations are
`parties`. The changes come from what the database recorded when they happened
(publishing, each correction or extension, closing, evaluation, decisions, each pilot stage move, cancelling)
and, where no column holds the time, from the audit trail (payments, completion; without it, completion is
when the last pilot reached its outcome). Nothing is dated by a guess such as a row's `updated_at`.

Each release shows the process as it stood at its own date, so nothing appears
before it was public (a release before a correction shows the text and deadlines as they were then, each
later one lists the corrections as `tender.amendments`): how many pitched from the pitch deadline, who from the decisions, a pitch's title
and price only once it is awarded, answered questions without the asker. Scores,
evaluators, feedback, withdrawn pitches, drafts and every person's name are
never part of it.

Releases are written once, when their change happens (`ocds_store`), and the package pages the stored ones.
"""
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import cache, lru_cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, cast, exists, func, literal_column, null, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from marketplace.extensions import db
from marketplace.formatting import date_bounds, rfc3339
from marketplace.models import (AuditEvent, Challenge, ChallengeNotice, Evaluation, OcdsRelease, Pilot, PilotStageChange, Pitch,
                                Question)
from marketplace.models.pilot import ADOPTED, AGREEMENT, EVALUATION, EXTENDED, OUTCOME_STAGES, RUNNING, STOPPED
from marketplace.services import permissions
from marketplace.services.challenges import amendments, lifecycle
from marketplace.services.challenges.challenges import sectors_by_challenge
from marketplace.services.clock import utcnow
from marketplace.services.organisations.cpv import cpv_code, cpv_divisions
from marketplace.services.organisations.addresses import ocds_address
from marketplace.services.organisations.identifiers import organisation_identifier
from marketplace.services.errors import ValidationFailed
from marketplace.services.messaging import links
from marketplace.services.open_data.licence import open_data_licence
from marketplace.services.pilots.pilot_workflow import is_outcome, with_outcome
from marketplace.services.open_data import public_data
from marketplace.services.paging import Page, ids_alone, ids_and_read, kept_scalar, paginate
from marketplace.services.pilots.pilot_workflow import due_date_for
from marketplace.services.pitches import lifecycle as pitch_lifecycle, seal

OCDS_VERSION = "1.1"
EXTENSIONS = (
    # tender.enquiries: the answered questions
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_enquiry_extension/v1.1.5/extension.json",
    # parties[].details.scale: micro, sme or large
    # The extension has no tagged release (the registry lists only master): pinned to a commit, whose files are
    # kept in tests/data/ocds-extensions/ for the offline Data Review Tool check (tests/data_review.py).
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_partyDetails_scale_extension/"
    "152cd9fb74e021e537b17d84420615acf7dec032/extension.json",
)
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_PAGE = 100000

PAYMENT_RECORDED = "pilot.payment_recorded"
COMPLETION_ACTIONS = ("challenge.completed", "challenge.consultation_summarised")

# Lifecycle changes, in the order they follow each other when two are recorded at the same moment.
PUBLISHED, QUESTION, CLOSED, EVALUATING, AWARDED = "published", "question", "closed", "evaluating", "awarded"
PILOT, STAGE, PAYMENT, COMPLETED_CHANGE, CANCELLED = "pilot", "stage", "payment", "completed", "cancelled"
AMENDED = "amended"  # a correction or extension after publishing (services/challenges/amendments.py)
CHANGE_ORDER = (PUBLISHED, QUESTION, AMENDED, CLOSED, EVALUATING, AWARDED, PILOT, STAGE, PAYMENT, COMPLETED_CHANGE, CANCELLED)

# The release tag of each change: (call for solutions, market consultation).
TAGS = {
    PUBLISHED: ("tender", "planning"),
    QUESTION: ("tenderUpdate", "planningUpdate"),
    AMENDED: ("tenderAmendment", "planningUpdate"),
    CLOSED: ("tenderUpdate", "planningUpdate"),
    EVALUATING: ("tenderUpdate", "planningUpdate"),
    PILOT: ("contract", "contract"),
    PAYMENT: ("implementationUpdate", "implementationUpdate"),
    COMPLETED_CHANGE: ("contractTermination", "planningUpdate"),
    CANCELLED: ("tenderCancellation", "planningUpdate"),
}
STAGE_TAGS = {RUNNING: "implementation", EVALUATION: "implementationUpdate", EXTENDED: "implementationUpdate",
              ADOPTED: "contractTermination", STOPPED: "contractTermination"}
CONTRACT_STATUS = {AGREEMENT: "pending", RUNNING: "active", EVALUATION: "active", EXTENDED: "active",
                   ADOPTED: "terminated", STOPPED: "terminated"}
MEASURE_STATUS = {"met": "met", "partly_met": "partiallyMet", "not_met": "notMet"}
SCALES = {"micro": "micro", "small": "sme", "medium": "sme", "large": "large"}


# ---- What was asked -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReleaseQuery:
    """The checked query string of the releases endpoint."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    since: datetime | None = None
    challenge_id: int | None = None

    @classmethod
    def from_args(cls, args, ocid_prefix):
        """From a query string; anything malformed is a ValidationFailed naming every bad parameter."""
        errors, values = {}, {}
        getlist = args.getlist if hasattr(args, "getlist") else (lambda k: [args[k]] if k in args else [])
        for name in ("page", "per_page", "since", "ocid"):
            given = getlist(name)
            if len(given) > 1:
                errors[name] = _l("Give %(name)s once.", name=name)
            elif given:
                values[name] = str(given[0]).strip()[:100]
        page = _whole_number(values.get("page"), 1, MAX_PAGE, "page", errors)
        per_page = _whole_number(values.get("per_page"), 1, MAX_PER_PAGE, "per_page", errors)
        since = None
        if values.get("since"):
            since = _moment(values["since"])
            if since is None:
                errors["since"] = _l("Give %(name)s as a date and time such as %(example)s.", name="since",
                                     example="2025-01-31T00:00:00Z")
        challenge_id = None
        if values.get("ocid"):
            challenge_id = _challenge_id(values["ocid"], ocid_prefix)
            if challenge_id is None:
                errors["ocid"] = _l("Give an ocid of this publisher, such as %(example)s.",
                                    example=f"{ocid_prefix}-1")
        if errors:
            raise ValidationFailed(errors, message=str(_l("Some query parameters are not valid.")))
        return cls(page=page or 1, per_page=per_page or DEFAULT_PER_PAGE, since=since, challenge_id=challenge_id)


def _whole_number(raw, low, high, name, errors):
    if raw in (None, ""):
        return None
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        errors[name] = _l("Give %(name)s as a whole number from %(low)s to %(high)s.", name=name, low=low, high=high)
        return None
    return int(raw)


def _moment(raw):
    """An ISO 8601 date or date and time; without a zone it is UTC."""
    try:
        value = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None


MAX_CHALLENGE_ID = 2 ** 31 - 1


def _challenge_id(ocid, prefix):
    number = ocid[len(prefix) + 1:] if ocid.startswith(prefix + "-") else ""
    if not number.isascii() or not number.isdigit() or len(number) > 12:
        return None
    # Well formed but past the largest id a challenge can have (a 32-bit integer): no challenge, an empty
    # package — not a number PostgreSQL refuses to compare.
    return int(number) if int(number) <= MAX_CHALLENGE_ID else 0


# ---- The lifecycle changes, from the recorded history ----------------------------------------------------

@dataclass(frozen=True)
class Change:
    challenge_id: int
    kind: str
    subject_id: int | None
    at: datetime


def _row(kind, subject, at):
    return select(Challenge.id.label("challenge_id"), literal_column(f"'{kind}'", String).label("kind"),
                  subject.label("subject_id"), at.label("at"),
                  literal_column(str(CHANGE_ORDER.index(kind)), Integer).label("rank"))


def _changes():
    """Every public lifecycle change as (challenge_id, kind, subject_id, at): one UNION ALL, sorted by the caller."""
    none = cast(null(), Integer)
    public = lifecycle.public_condition()
    branches = [
        _row(PUBLISHED, none, Challenge.published_at).where(public),
        _row(QUESTION, Question.id, Question.answered_at).join(Question, Question.challenge_id == Challenge.id)
        .where(public, Question.answer.is_not(None), Question.answered_at.is_not(None)),
        _row(AMENDED, ChallengeNotice.id, ChallengeNotice.created_at)
        .join(ChallengeNotice, ChallengeNotice.challenge_id == Challenge.id).where(public),
        _row(CLOSED, none, Challenge.closed_at).where(public, Challenge.closed_at.is_not(None)),
        _row(EVALUATING, none, Evaluation.started_at).join(Evaluation, Evaluation.challenge_id == Challenge.id)
        .where(public),
        _row(AWARDED, none, Evaluation.decisions_published_at).join(Evaluation, Evaluation.challenge_id == Challenge.id)
        .where(public, Evaluation.decisions_published_at.is_not(None)),
        _row(PILOT, Pilot.id, Pilot.created_at).join(Pilot, Pilot.challenge_id == Challenge.id).where(public),
        _row(STAGE, PilotStageChange.id, PilotStageChange.changed_at).join(Pilot, Pilot.challenge_id == Challenge.id)
        .join(PilotStageChange, PilotStageChange.pilot_id == Pilot.id).where(public),
        _row(PAYMENT, AuditEvent.id, AuditEvent.occurred_at).join(AuditEvent, AuditEvent.challenge_id == Challenge.id)
        .where(public, AuditEvent.action == PAYMENT_RECORDED),
        _row(COMPLETED_CHANGE, AuditEvent.id, AuditEvent.occurred_at)
        .join(AuditEvent, AuditEvent.challenge_id == Challenge.id)
        .where(public, Challenge.status.in_(lifecycle.CONCLUDED), AuditEvent.action.in_(COMPLETION_ACTIONS)),
        # Completed without an audit row (data loaded by other means): when its last pilot reached its outcome, as
        # that stage change recorded it. Without one either, no date is known and none is made up (no release).
        _row(COMPLETED_CHANGE, none, func.max(PilotStageChange.changed_at))
        .join(Pilot, Pilot.challenge_id == Challenge.id).join(PilotStageChange, PilotStageChange.pilot_id == Pilot.id)
        .where(public, Challenge.status.in_(lifecycle.CONCLUDED), with_outcome(PilotStageChange.to_stage), ~exists().where(
            AuditEvent.challenge_id == Challenge.id, AuditEvent.action.in_(COMPLETION_ACTIONS)))
        .group_by(Challenge.id),
        _row(CANCELLED, none, Challenge.cancelled_at).where(public, Challenge.cancelled_at.is_not(None)),
    ]
    union = union_all(*branches).subquery()
    return union, (union.c.challenge_id, union.c.kind, union.c.subject_id, union.c.at)


def _ordered(query, union):
    return query.order_by(union.c.at, union.c.challenge_id, union.c.rank, func.coalesce(union.c.subject_id, 0))


def _as_changes(rows):
    return [Change(challenge_id=row[0], kind=row[1], subject_id=row[2], at=row[3]) for row in rows]


def histories(challenge_ids):
    """{challenge id: its public lifecycle changes, oldest first}: published challenges only."""
    union, columns = _changes()
    rows = db.session.execute(_ordered(select(*columns).where(columns[0].in_(challenge_ids)), union)).all()
    by_challenge = defaultdict(list)
    for change in _as_changes(rows):
        by_challenge[change.challenge_id].append(change)
    return by_challenge


# ---- What the releases are made of -----------------------------------------------------------------------

@dataclass
class _Process:
    """One challenge and everything public about it, loaded once for all its releases on a page."""

    challenge: Challenge
    sectors: list
    questions: list
    pitches: list
    evaluation: Evaluation | None
    pilots: dict
    stage_changes: dict
    payments: dict
    notices: dict


def load(challenge_ids):
    """{challenge id: _Process}: everything public about these challenges, for building their releases."""
    challenges = db.session.scalars(
        select(Challenge).where(Challenge.id.in_(challenge_ids))
        .options(joinedload(Challenge.agency), selectinload(Challenge.criteria), selectinload(Challenge.success_measures))
    ).unique().all()
    processes = {c.id: _Process(c, [], [], [], None, {}, {}, {}, {}) for c in challenges}
    for challenge_id, divisions in sectors_by_challenge(challenge_ids).items():
        processes[challenge_id].sectors.extend(divisions)
    for question in db.session.scalars(select(Question).where(
            Question.challenge_id.in_(challenge_ids), Question.answer.is_not(None)).order_by(Question.answered_at)):
        processes[question.challenge_id].questions.append(question)
    for pitch in db.session.scalars(select(Pitch).options(joinedload(Pitch.company)).where(
            Pitch.challenge_id.in_(challenge_ids), Pitch.status.in_(pitch_lifecycle.RECEIVED)).order_by(Pitch.id)):
        processes[pitch.challenge_id].pitches.append(pitch)
    for evaluation in db.session.scalars(select(Evaluation).where(Evaluation.challenge_id.in_(challenge_ids))):
        processes[evaluation.challenge_id].evaluation = evaluation
    for pilot in db.session.scalars(select(Pilot).where(Pilot.challenge_id.in_(challenge_ids)).options(
            joinedload(Pilot.company), joinedload(Pilot.pitch), selectinload(Pilot.stage_changes),
            selectinload(Pilot.milestones), selectinload(Pilot.measure_outcomes))):
        process = processes[pilot.challenge_id]
        process.pilots[pilot.id] = pilot
        process.stage_changes.update({change.id: change for change in pilot.stage_changes})
    for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.challenge_id.in_(challenge_ids), AuditEvent.action == PAYMENT_RECORDED)):
        processes[event.challenge_id].payments[event.id] = event.after or {}
    for notice in db.session.scalars(select(ChallengeNotice).where(ChallengeNotice.challenge_id.in_(challenge_ids))):
        processes[notice.challenge_id].notices[notice.id] = notice
    return processes


# ---- Building one release --------------------------------------------------------------------------------

def ocid_for(challenge_id, prefix):
    return f"{prefix}-{challenge_id}"


def _when(value):
    """A recorded moment as OCDS writes it: UTC, to the second (`formatting.rfc3339`, as the CSV, Atom, the API)."""
    return rfc3339(value)


def _day(value, settings, *, end):
    """A date-only value (a pilot's start or end, a due or payment day) as OCDS guidance says: a start date at
    the first second of that local day, an end date at its last, with the day's offset in the publisher's zone."""
    if value is None:
        return None
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return date_bounds(value, settings["zone"])[1 if end else 0].isoformat()


def _amount(value, currency):
    if value is None:
        return None
    number = Decimal(str(value))
    return {"amount": int(number) if number == number.to_integral_value() else float(number), "currency": currency}


def _ref(organisation):
    return {"id": f"org-{organisation.id}", "name": organisation.name}


def _compact(value):
    """Leave out what is unknown: None, empty lists and empty objects."""
    if isinstance(value, dict):
        kept = {k: _compact(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def _procurement_category(sectors):
    """CPV divisions 45 are works, up to 44 and 48 goods, the rest services; the most named wins, services on a tie."""
    counts = defaultdict(int)
    for code in sectors:
        number = int(code)
        counts["works" if number == 45 else "goods" if number <= 44 or number == 48 else "services"] += 1
    if not counts:
        return "services"
    best = max(counts.values())
    return "services" if counts["services"] == best else max(counts, key=counts.get)


class _Moment:
    """The process as it stood at one release's date."""

    def __init__(self, process, history, change, settings):
        self.process, self.change, self.settings = process, change, settings
        position = history.index(change)
        self.past = history[:position + 1]
        self.kinds = {c.kind for c in self.past}
        self.at = change.at
        self.challenge = process.challenge
        self.consultation = lifecycle.surveys_the_market(self.challenge)
        self.history = history
        self.values = _values_at(process, history[position + 1:])

    def subjects(self, kind):
        return [c.subject_id for c in self.past if c.kind == kind]

    def pilots(self):
        return [self.process.pilots[i] for i in self.subjects(PILOT) if i in self.process.pilots]

    def stage_moves(self, pilot):
        moves = (self.process.stage_changes.get(i) for i in self.subjects(STAGE))
        return [m for m in moves if m is not None and m.pilot_id == pilot.id]

    def payments(self, pilot):
        """{milestone id: (paid amount, paid on)}: the latest payment recorded for each, up to now."""
        paid = {}
        for audit_id in self.subjects(PAYMENT):
            after = self.process.payments.get(audit_id, {})
            if after.get("milestone") in {m.id for m in pilot.milestones} and after.get("paid_amount") is not None:
                paid[after["milestone"]] = (after["paid_amount"], after.get("paid_on"))
        return paid

    @property
    def unsealed(self):
        return not seal.is_sealed(self.challenge, now=self.at)

    @property
    def tenderers_named(self):
        """Which companies pitched: public once the decisions are out, so the blind round stays blind (a call for
        solutions); a consultation's respondents from its deadline. How many pitched is public at the deadline."""
        return self.unsealed and (self.consultation or self.awarded)

    @property
    def awarded(self):
        return AWARDED in self.kinds

    def awarded_pitches(self):
        return [p for p in self.process.pitches if pitch_lifecycle.state_of(p).selected] if self.awarded else []


def _stored(name, value):
    """A value as a notice keeps it (JSON) back in the type the challenge's column holds."""
    if name in amendments.DEADLINES and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def _values_at(process, later):
    """The challenge's public values before the notices among the `later` changes: each undone, newest first."""
    challenge = process.challenge
    values = {name: getattr(challenge, name) for name in ("title", "summary") + amendments.DEADLINES
              + amendments.BUDGET}
    values["criteria"] = [{"name": c.name, "description": c.description, "weight": c.weight}
                          for c in challenge.criteria]
    for change in reversed(later):
        notice = process.notices.get(change.subject_id) if change.kind == AMENDED else None
        for field in (notice.changes if notice is not None else ()):
            if field["field"] in values:
                values[field["field"]] = _stored(field["field"], field["before"])
    return values


# How an amendment names what it changed (OCDS text is in English, as the rest of the release).
AMENDED_FIELDS = {
    "title": "Title", "summary": "Summary", "problem_statement": "Problem statement", "context": "Context",
    "affected": "Who is affected", "desired_outcomes": "Desired outcomes",
    "constraints": "Constraints and out of scope", "question_deadline": "Enquiry period end",
    "pitch_deadline": "Tender period end", "budget_min": "Minimum value", "budget_max": "Maximum value",
    "criteria": "Award criteria",
}


def _amendment_description(notice):
    sentences = []
    for change in notice.changes:
        name, before, after = change["field"], change["before"], change["after"]
        label = AMENDED_FIELDS.get(name, name)
        if name in amendments.DEADLINES:
            sentences.append(f"{label} extended from {_when(_stored(name, before))} to {_when(_stored(name, after))}.")
        elif name in amendments.BUDGET:
            sentences.append(f"{label} changed from {before or 'none'} to {after or 'none'}.")
        elif name == "criteria":
            sentences.append(f"{label} changed to: " + "; ".join(f"{c['name']} ({c['weight']} %)" for c in after) + ".")
        else:
            sentences.append(f"{label} corrected.")
    return " ".join(sentences)


def _amendments(moment, ocid):
    """tender.amendments: each correction up to this release, naming the releases before and after it."""
    found = []
    for change in moment.past:
        notice = moment.process.notices.get(change.subject_id) if change.kind == AMENDED else None
        if notice is None:
            continue
        position = moment.history.index(change)
        found.append({"id": f"amendment-{notice.id}", "date": _when(notice.created_at),
                      "rationale": notice.reason, "description": _amendment_description(notice),
                      "amendsReleaseID": release_id(ocid, moment.history[position - 1]) if position else None,
                      "releaseID": release_id(ocid, change)})
    return found


def _tag(moment):
    change = moment.change
    if change.kind == STAGE:
        move = moment.process.stage_changes.get(change.subject_id)
        return STAGE_TAGS.get(move.to_stage if move else None, "implementationUpdate")
    if change.kind == AWARDED:
        return "award" if moment.awarded_pitches() else "tenderUpdate"
    return TAGS[change.kind][1 if moment.consultation else 0]


def _tender_status(moment):
    if moment.consultation:  # it ends completed (its summary) or withdrawn
        if CANCELLED in moment.kinds:
            return "withdrawn"
        return "complete" if COMPLETED_CHANGE in moment.kinds else "planning"
    if CANCELLED in moment.kinds:
        return "cancelled"
    if moment.awarded:
        return "complete" if moment.awarded_pitches() else "unsuccessful"
    return "complete" if PILOT in moment.kinds else "active"


def _page_url(moment):
    return moment.settings["base_url"] + links.challenge_path(moment.challenge)


def _tender(moment):
    challenge, values = moment.challenge, moment.values
    names = cpv_divisions()
    items = [{"id": str(i), "description": names.get(code, code),
              "classification": {"scheme": "CPV", "id": cpv_code(code), "description": names.get(code, code)}}
             for i, code in enumerate(moment.process.sectors, start=1)]
    enquiries = [{"id": str(q.id), "date": _when(q.asked_at), "description": q.body, "answer": q.answer,
                  "dateAnswered": _when(q.answered_at)}
                 for q in moment.process.questions if q.id in set(moment.subjects(QUESTION))]
    documents = [{"id": "notice", "documentType": "plannedProcurementNotice" if moment.consultation else "tenderNotice",
                  "title": values["title"], "url": _page_url(moment), "format": "text/html",
                  "datePublished": _when(challenge.published_at)}]
    if CANCELLED in moment.kinds:
        documents.append({"id": "cancellation", "documentType": "cancellationDetails",
                          "title": "Reason for cancelling", "description": challenge.cancel_reason,
                          "url": _page_url(moment), "format": "text/html",
                          "datePublished": _when(challenge.cancelled_at)})
    tender = {
        "id": ocid_for(challenge.id, moment.settings["ocid_prefix"]),
        "title": values["title"],
        "description": values["summary"] or None,
        "status": _tender_status(moment),
        "procuringEntity": _ref(challenge.agency),
        "items": items,
        "value": _amount(values["budget_max"], challenge.currency),
        "minValue": _amount(values["budget_min"], challenge.currency),
        "procurementMethod": "open",
        "procurementMethodDetails": "Market consultation" if moment.consultation else "Call for solutions",
        "mainProcurementCategory": _procurement_category(moment.process.sectors),
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": _when(challenge.published_at), "endDate": _when(values["pitch_deadline"])},
        "enquiryPeriod": {"startDate": _when(challenge.published_at), "endDate": _when(values["question_deadline"])},
        "hasEnquiries": bool(enquiries),
        "enquiries": enquiries,
        "documents": documents,
        "amendments": _amendments(moment, ocid_for(challenge.id, moment.settings["ocid_prefix"])),
    }
    if challenge.pilot_duration_weeks and not moment.consultation:  # no pilot, so no contract, follows a consultation
        tender["contractPeriod"] = {"durationInDays": challenge.pilot_duration_weeks * 7}
    if not moment.consultation and values["criteria"]:
        tender["awardCriteria"] = "ratedCriteria"
        tender["awardCriteriaDetails"] = "\n".join(
            f"{c['name']} ({c['weight']} %)" + (f": {c['description']}" if c["description"] else "")
            for c in values["criteria"])
    if moment.unsealed and not moment.consultation:
        tender["numberOfTenderers"] = len(moment.process.pitches)
        if moment.tenderers_named:
            tender["tenderers"] = [_ref(p.company) for p in moment.process.pitches]
    return tender


def _awards(moment):
    evaluation = moment.process.evaluation
    piloted = {pilot.pitch_id for pilot in moment.pilots()}
    return [{
        "id": f"award-{pitch.id}",
        "title": pitch.title or None,
        "description": pitch.summary or None,
        "status": "cancelled" if CANCELLED in moment.kinds and pitch.id not in piloted else "active",
        "date": _when(evaluation.decisions_published_at),
        "value": _amount(pitch.pilot_price, moment.challenge.currency),
        "suppliers": [_ref(pitch.company)],
        "contractPeriod": {"durationInDays": pitch.pilot_duration_weeks * 7} if pitch.pilot_duration_weeks else None,
    } for pitch in moment.awarded_pitches()]


def _stage_at(moves):
    return moves[-1].to_stage if moves else AGREEMENT


def _left(moves, stages):
    """When the pilot last moved out of one of these stages, if the move was recorded."""
    times = [m.changed_at for m in moves if m.from_stage in stages]
    return times[-1] if times else None


def _entered(moves, stages):
    times = [m.changed_at for m in moves if m.to_stage in stages]
    return times[-1] if times else None


def _stage_milestones(pilot, moves, stage, settings):
    outcome_at = _entered(moves, OUTCOME_STAGES)
    evaluation_at = _entered(moves, (EVALUATION,))
    progressed = {AGREEMENT: 0, RUNNING: 1, EXTENDED: 1, EVALUATION: 2, ADOPTED: 3, STOPPED: 3}[stage]
    milestones = [
        {"id": "agreement", "title": "Signed pilot agreement", "type": "approval",
         "description": "The signed agreement is uploaded and a budget above the low-value threshold approved.",
         "dueDate": _day(due_date_for(pilot, AGREEMENT, pilot.created_at), settings, end=True),
         "status": "met" if progressed >= 1 else "scheduled",
         "dateMet": _when(_left(moves, (AGREEMENT,))) if progressed >= 1 else None},
        {"id": "delivery", "title": "Pilot run", "type": "delivery",
         "dueDate": _day(pilot.ends_on, settings, end=True),
         "status": "met" if progressed >= 2 else "scheduled",
         "dateMet": _when(_left(moves, (RUNNING, EXTENDED))) if progressed >= 2 else None},
        {"id": "evaluation-report", "title": "Evaluation report", "type": "reporting",
         "dueDate": _day(due_date_for(pilot, EVALUATION, evaluation_at), settings, end=True) if evaluation_at else None,
         "status": "met" if progressed >= 3 else "scheduled",
         "dateMet": _when(outcome_at) if progressed >= 3 else None},
        {"id": "outcome", "title": "Decision to adopt the solution", "type": "assessment",
         "status": {ADOPTED: "met", STOPPED: "notMet"}.get(stage, "scheduled"),
         "dateMet": _when(outcome_at) if stage == ADOPTED else None,
         "dateModified": _when(outcome_at) if is_outcome(stage) else None},
    ]
    if is_outcome(stage):
        for outcome in sorted(pilot.measure_outcomes, key=lambda o: o.success_measure.position):
            measure = outcome.success_measure
            milestones.append({
                "id": f"measure-{measure.id}", "title": measure.measure, "type": "assessment",
                "description": "; ".join(part for part in (
                    f"Baseline: {measure.baseline}" if measure.baseline else "",
                    f"Target: {measure.target}" if measure.target else "",
                    outcome.evidence) if part) or None,
                "status": MEASURE_STATUS.get(outcome.result), "dateModified": _when(outcome_at)})
    return milestones


def _contracts(moment):
    contracts = []
    currency = moment.challenge.currency
    for pilot in moment.pilots():
        moves = moment.stage_moves(pilot)
        stage = _stage_at(moves)
        paid = moment.payments(pilot)
        milestones = _stage_milestones(pilot, moves, stage, moment.settings)
        transactions = []
        for milestone in pilot.milestones:
            amount, paid_on = paid.get(milestone.id, (None, None))
            milestones.append({"id": f"payment-{milestone.id}", "title": milestone.label, "type": "payment",
                               "dueDate": _day(milestone.planned_on, moment.settings, end=True),
                               "status": "met" if amount is not None else "scheduled",
                               "dateMet": _day(paid_on, moment.settings, end=True) if amount is not None else None})
            if amount is not None:
                transactions.append({"id": f"transaction-{milestone.id}", "date": _day(paid_on, moment.settings, end=True),
                                     "value": _amount(amount, pilot.currency or currency),
                                     "payer": _ref(moment.challenge.agency), "payee": _ref(pilot.company)})
        outcome = None
        if is_outcome(stage):
            outcome = "\n\n".join(text for text in (pilot.outcome_summary, pilot.lessons_learned) if text) or None
        contracts.append({
            "id": f"contract-{pilot.id}",
            "awardID": f"award-{pilot.pitch_id}",
            "title": pilot.pitch.title or None,
            "description": outcome,
            # A stopped pilot ends as an early termination: its adoption milestone is not met.
            "status": CONTRACT_STATUS[stage],
            "period": {"startDate": _day(pilot.starts_on, moment.settings, end=False),
                       "endDate": _day(pilot.ends_on, moment.settings, end=True)},
            "value": _amount(pilot.budget, pilot.currency or currency),
            "dateSigned": _when(_left(moves, (AGREEMENT,))),
            "implementation": {"milestones": milestones, "transactions": transactions},
        })
    return contracts


def _parties(moment, contracts):
    roles = defaultdict(list)
    names = {}

    def add(organisation, *new_roles):
        names[organisation.id] = organisation
        roles[organisation.id].extend(r for r in new_roles if r not in roles[organisation.id])

    agency = moment.challenge.agency
    add(agency, "buyer", "procuringEntity")
    if moment.tenderers_named:
        for pitch in moment.process.pitches:
            add(pitch.company, "interestedParty" if moment.consultation else "tenderer")
    for pitch in moment.awarded_pitches():
        add(pitch.company, "supplier")
    for pilot, contract in zip(moment.pilots(), contracts):
        if contract["implementation"]["transactions"]:
            add(agency, "payer")
            add(pilot.company, "payee")
    parties = []
    for organisation_id, organisation in names.items():
        party = {**_ref(organisation), "identifier": organisation_identifier(
            organisation, moment.settings.get("default_org_scheme")), "roles": roles[organisation_id]}
        if permissions.is_agency(organisation):
            # Only what the agency made public: its postal address (empty parts left out) and its website.
            party["address"] = ocds_address(organisation)
            if organisation.website:
                party["contactPoint"] = {"name": organisation.name, "url": organisation.website}
        if permissions.is_company(organisation) and organisation.size in SCALES:
            party["details"] = {"scale": SCALES[organisation.size]}
        parties.append(party)
    return parties


def _planning(moment):
    challenge = moment.challenge
    if not moment.consultation or COMPLETED_CHANGE not in moment.kinds or not challenge.consultation_summary:
        return None
    completed = next(c.at for c in moment.past if c.kind == COMPLETED_CHANGE)
    return {"documents": [{"id": "consultation-summary", "documentType": "marketStudies",
                           "title": "What the market offered", "description": challenge.consultation_summary,
                           "url": _page_url(moment), "format": "text/html", "datePublished": _when(completed)}]}


def change_key(change):
    """A change's name within its process ("published", "stage-12"): its release id is the ocid, "-" and this."""
    return change.kind + (f"-{change.subject_id}" if change.subject_id is not None else "")


def release_id(ocid, change):
    return f"{ocid}-{change_key(change)}"


def build_release(process, history, change, settings):
    moment = _Moment(process, history, change, settings)
    ocid = ocid_for(process.challenge.id, settings["ocid_prefix"])
    awards = _awards(moment)
    contracts = _contracts(moment)
    return _compact({
        "ocid": ocid,
        "id": release_id(ocid, change),
        "date": _when(change.at),
        "tag": [_tag(moment)],
        "initiationType": "tender",
        "parties": _parties(moment, contracts),
        "buyer": _ref(process.challenge.agency),
        "planning": _planning(moment),
        "tender": _tender(moment),
        "awards": awards,
        "contracts": contracts,
    })


# ---- The package -----------------------------------------------------------------------------------------

@dataclass
class PackagePage(Page):
    """One page of releases or records (`items`), the package that carries them, and when the newest stored
    release was written (for HTTP's Last-Modified)."""

    package: dict = None
    last_modified: datetime | None = None


def publication_settings():
    """Who publishes, under which prefix and licence: from the configuration."""
    config = current_app.config
    base_url = config["BASE_URL"].rstrip("/")
    return {"ocid_prefix": config["OCDS_OCID_PREFIX"], "publisher": config["OCDS_PUBLISHER_NAME"],
            "license": open_data_licence().url, "base_url": base_url, "zone": config["DEFAULT_TIMEZONE"],
            "default_org_scheme": config.get("OCDS_DEFAULT_ORG_SCHEME") or None,
            "policy_url": config.get("OCDS_PUBLICATION_POLICY_URL") or f"{base_url}/open-data"}


def package_metadata(settings, uri, newest):
    """What every release or record package says besides its releases or records (API pages, bulk files); it is
    as new as its newest release (`newest`, OCDS publishedDate)."""
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": list(EXTENSIONS),
        "publisher": {"name": settings["publisher"], "uri": settings["base_url"] + "/"},
        "publishedDate": _when(newest),
        "license": settings["license"],
        "publicationPolicy": settings["policy_url"],
    }


def release_package(query, *, package_uri):
    """One page of the stored releases (oldest first, by the (date, id) index) as an OCDS release package."""
    result = stored_release_page(query, package_uri=package_uri)
    result.items = [json.loads(text) for text in result.items]
    result.package["releases"] = result.items
    return result


def stored_release_page(query, *, package_uri):
    """The page of `release_package`, its releases left as stored (JSON text, in `items`) and not yet in its
    `package`: for who writes them out as they are.

    The count and the page's releases move only when a release is stored, which renews the public data token:
    the total and the ids of each page are kept per state of the public data (paging.paginate), and so are the
    stored releases (`_kept_releases`), so that a page asked again reads nothing but the token."""
    settings = publication_settings()
    found = paginate(_releases_statement(query.since, query.challenge_id), query.page, query.per_page, public=True,
                     read_by_id=ids_alone)
    rows = _kept_rows(found.items)
    # The package is as new as its newest release (OCDS publishedDate).
    newest = max((row.date for row in rows), default=utcnow())
    return PackagePage(items=[row.release for row in rows], package=package_metadata(settings, package_uri, newest),
                       total=found.total, page=query.page, per_page=query.per_page, last_modified=newest_release_date())


_STORED = (OcdsRelease.id, OcdsRelease.date, OcdsRelease.release)


@lru_cache(maxsize=1024)
def _releases_statement(since, challenge_id):
    """The stored releases (their id, date and text) from `since`, of one process or all, oldest first (by the
    (date, id) index): built once per question, so that paging keeps what it derives from it (paging._derived)."""
    conditions = []
    if since is not None:
        conditions.append(OcdsRelease.date >= since)
    if challenge_id is not None:
        conditions.append(OcdsRelease.challenge_id == challenge_id)
    return select(*_STORED).where(*conditions).order_by(OcdsRelease.date, OcdsRelease.id)


# Stored releases are long (kilobytes each) and a harvester reads them all, page after page: kept apart from the
# items of the challenge lists (public_data.kept_items), which they would push out.
_kept_releases = public_data.KeptPerState(2048)


def _kept_rows(items):
    """The (id, date, release) rows of a page's `items`: its rows read now, or their ids alone (the page's ids were
    kept); each row kept per state of the public data, those neither given nor kept read by id."""
    ids, given = ids_and_read(items)

    def read(missing):
        unread = [release_id for release_id in missing if release_id not in given]
        found = {release_id: given[release_id] for release_id in missing if release_id in given}
        if unread:
            statement = select(*_STORED).where(OcdsRelease.id.in_(unread))
            found.update((row.id, row) for row in db.session.execute(statement))
        return found

    kept = _kept_releases.get_many(ids, read)
    return [kept[release_id] for release_id in ids if release_id in kept]


@cache
def _newest_release_statement():  # one statement object: its cache key is computed once (paging.kept_scalar)
    return select(func.max(OcdsRelease.date))


def newest_release_date(now=None):
    """When the newest stored release is dated: a page of any package changes only when a release is added.

    Never later than now (a validator in the future would make a client's cached copy look newer than any
    change to come)."""
    newest = kept_scalar(_newest_release_statement())  # aware UTC on both databases (UTCDateTime)
    return None if newest is None else min(newest, now or utcnow())
