"""Reading the audit trail: per challenge, for the agency's owner and procurement officers and platform admins, as
sentences (services/audit_trail.py) and as CSV with every field; the platform's whole trail for platform admins
(`platform_trail`: filtered, newest first, a page at a time, each row's seal checked); anchoring its head and
verifying it.

Verifying (`verify_trail`, run by `flask verify-audit`) walks the rows in order and recomputes each digest with the
key (services/messaging/events.py), so a changed or removed row, or a chain recomputed without the key, shows at the
first row that does not match. The anchors (`record_anchor`, daily from beat, published) catch what the chain alone
cannot: rows cut off the tail, or a chain rewritten by someone who has the key.
"""
import hmac
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, cast, func, literal, null, or_, select, text, union_all

from marketplace.extensions import db
from marketplace.formatting import reader_zone
from marketplace.models import (AuditAnchor, AuditEvent, Challenge, Invitation, Match, Membership, Organisation,
                                Pilot, Pitch, PitchAssessment, Solution, User)
from marketplace.services import access, permissions
from marketplace.services.challenges.search import fold
from marketplace.services.organisations import names as organisation_names
from marketplace.services.audit_trail import PLATFORM_SENTENCES, SENTENCES, describe_trail, describe_with_names
from marketplace.services.errors import NotFound
from marketplace.services.evaluation import evaluation
from marketplace.services.evaluation.blinding import redact_trail
from marketplace.services.messaging.events import audit_digest
from marketplace.services.open_data.spreadsheets import csv_text
from marketplace.services.clock import utcnow
from marketplace.services.messaging.events import AUDIT_CHAIN_LOCK, unkeyed_digest
from marketplace.services.paging import paginate

# The events that make up the ranking (each score, each decision): read by whoever may see the ranking, not by a
# panel member it is withheld from (recused, or not declared while the round is blind: `ranking_withheld`).
RANKING_EVENTS = ("evaluation.scored", "evaluation.decided")
CSV_COLUMNS = ("id", "occurred_at", "actor", "action", "object_type", "object_id", "before", "after", "description")


def challenge_trail(user, challenge_id):
    """Every recorded change of one challenge, oldest first, with who made it.

    The events on a pitch are the pitch's own: the agency's owner and officers see them only once they may read
    that pitch (the seal and the evaluation's rules: a panel member who declared no conflict), or they would tell
    who is pitching, and with what, before then; and until the evaluation is finalised the companies are
    redacted (services/evaluation/blinding.py). Its scores and decisions are the ranking's (`RANKING_EVENTS`). Platform
    admins see every event.
    """
    challenge = access.challenge_for(user, "audit.read_challenge", id=challenge_id)
    rows = db.session.execute(
        select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.challenge_id == challenge.id)
        .order_by(AuditEvent.id)
    ).all()
    rows = [(event, email) for event, email in rows]
    if sees_every_event(user):
        return challenge, rows
    readable = {pitch.id for pitch in db.session.scalars(select(Pitch).where(Pitch.challenge_id == challenge.id))
                if permissions.can(user, "pitch.read", pitch)}
    rows = [row for row in rows if row[0].object_type != "pitches" or row[0].object_id in readable]
    if any(event.action in RANKING_EVENTS for event, _ in rows) and \
            evaluation.ranking_withheld_from(user, challenge, evaluation.evaluation_of(challenge)):
        rows = [row for row in rows if row[0].action not in RANKING_EVENTS]
    return challenge, redact_trail(challenge, rows)


def sees_every_event(user):
    """Whether this person reads the trail as recorded, nothing left out or redacted: the platform's staff (not a
    panel, not bound by the seal), on a challenge's trail and on the platform's."""
    return permissions.is_admin(user)


def readable_trail(user, challenge_id):
    """The challenge and its trail as `challenge_trail` gives it to this person, each event with its sentence
    (`audit_trail.TrailEntry`: event, actor email, sentence)."""
    challenge, rows = challenge_trail(user, challenge_id)
    return challenge, describe_trail(challenge, rows, user)


def _cell(value):
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


def trail_as_csv(entries):
    """Every field as recorded (before and after as JSON), and the sentence the page shows."""
    return csv_text(CSV_COLUMNS, (
        [entry.event.id, entry.event.occurred_at.isoformat(), entry.email or "system", entry.event.action,
         entry.event.object_type, entry.event.object_id,
         _cell(entry.event.before) if entry.event.before is not None else "",
         _cell(entry.event.after) if entry.event.after is not None else "",
         entry.sentence]
        for entry in entries))


CHAIN_FIELDS = ("occurred_at", "actor_id", "action", "object_type", "object_id", "challenge_id", "before", "after")
log = logging.getLogger(__name__)


# ---- Anchors ----------------------------------------------------------------------------------------------

def anchor_as_dict(anchor):
    """An anchor as the open data publishes it (and as `flask verify-audit --anchors` reads it back)."""
    return {"id": anchor.id, "anchored_at": anchor.anchored_at.isoformat(), "kind": anchor.kind,
            "row_count": anchor.row_count, "last_event_id": anchor.last_event_id, "head_digest": anchor.head_digest}


def record_anchor(kind="scheduled"):
    """Record the chain's head now (digest, row count, time), commit, and write it to the log as one JSON line."""
    if db.session.get_bind().dialect.name == "postgresql":
        # No writer in the middle of appending: the head and the count are of the same chain.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
    head = db.session.execute(select(AuditEvent.id, AuditEvent.digest).order_by(AuditEvent.id.desc()).limit(1)).first()
    count = db.session.scalar(select(func.count(AuditEvent.id))) if head else 0
    anchor = AuditAnchor(anchored_at=utcnow(), kind=kind, row_count=count,
                         last_event_id=head.id if head else None, head_digest=head.digest if head else None)
    db.session.add(anchor)
    db.session.commit()
    log.info("audit anchor: %s rows, head %s", count, anchor.head_digest,
             extra={"audit_anchor": anchor_as_dict(anchor)})
    return anchor


def anchors_page(page=1, per_page=50):
    """The anchors, newest first."""
    return paginate(select(AuditAnchor).order_by(AuditAnchor.id.desc()), page, per_page)


# ---- Verifying --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    """What `verify_trail` found. `problem` is None when the trail is whole, else:

    "changed"   the row `broken_at` (or a link to it) does not match its digest: changed, a row before it removed,
                or the chain recomputed without the key;
    "rewritten" the anchored row is there and its chain holds, but its digest is not the anchored one;
    "missing"   the anchored row is gone (the walk passed its id);
    "truncated" the trail ends before the anchored row: its tail was cut;
    "count"     the number of rows up to the anchored row is not the anchored count.
    """
    checked: int
    problem: str | None = None
    broken_at: int | None = None
    anchor: dict | None = None

    @property
    def intact(self):
        return self.problem is None


def _anchor_fields(anchor):
    return {"id": anchor.get("id"), "anchored_at": anchor.get("anchored_at"), "row_count": int(anchor["row_count"]),
            "last_event_id": anchor.get("last_event_id"), "head_digest": anchor.get("head_digest")}


def parse_anchors(document):
    """Anchors kept elsewhere: a page of /api/v1/audit/anchors (its `items`), a list of anchors, or one anchor.

    Raises ValueError when it is none of these.
    """
    items = document.get("items", [document]) if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ValueError("expected a page of /api/v1/audit/anchors, a list of anchors, or one anchor")
    anchors = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("row_count"), int) \
                or not isinstance(item.get("last_event_id"), int | None) \
                or not isinstance(item.get("head_digest"), str | None):
            raise ValueError("each anchor needs row_count (a number), last_event_id and head_digest")
        anchors.append(_anchor_fields(item))
    return anchors


def verify_trail(extra_anchors=(), batch=2000):
    """Walk the audit trail in order, recompute every digest, and hold it against every anchor.

    `extra_anchors` are copies kept outside the database (see `parse_anchors`); the stored anchors are always used.
    """
    keys = [current_app.config["AUDIT_KEY"], *current_app.config.get("AUDIT_RETIRED_KEYS", ())]
    stored = db.session.scalars(select(AuditAnchor).order_by(AuditAnchor.id)).all()
    # Only the first anchor can be the upgrade's: one added later cannot widen what plain SHA-256 may cover.
    unkeyed_until = stored[0].last_event_id or 0 if stored and stored[0].kind == "unkeyed" else 0
    anchors = sorted((a for a in [*(_anchor_fields(anchor_as_dict(a)) for a in stored), *extra_anchors]
                      if a["last_event_id"] is not None), key=lambda a: a["last_event_id"])
    columns = [getattr(AuditEvent, name) for name in ("id", "prev_digest", "digest", *CHAIN_FIELDS)]
    waiting = 0  # anchors[waiting:] are still ahead of the walk
    previous, checked, last_id = None, 0, 0
    while True:
        # Plain rows, not entities: nothing piles up in the session, and the caller's objects stay as they are.
        rows = db.session.execute(select(*columns).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
                                  .limit(batch)).all()
        if not rows:
            break
        for row in rows:
            if waiting < len(anchors) and anchors[waiting]["last_event_id"] < row.id:
                return Verdict(checked, "missing", anchor=anchors[waiting])
            fields = {name: getattr(row, name) for name in CHAIN_FIELDS}
            if row.prev_digest != previous or not _digest_matches(row, fields, keys, row.id <= unkeyed_until):
                return Verdict(checked, "changed", broken_at=row.id)
            previous, checked, last_id = row.digest, checked + 1, row.id
            while waiting < len(anchors) and anchors[waiting]["last_event_id"] == row.id:
                anchor = anchors[waiting]
                if anchor["head_digest"] != row.digest:
                    return Verdict(checked, "rewritten", broken_at=row.id, anchor=anchor)
                if anchor["row_count"] != checked:
                    return Verdict(checked, "count", anchor=anchor)
                waiting += 1
    if waiting < len(anchors):
        return Verdict(checked, "truncated", anchor=anchors[-1])
    return Verdict(checked)


def _digest_matches(row, fields, keys, unkeyed):
    stored = (row.digest or "").encode("utf-8")  # bytes: compare_digest refuses non-ASCII text
    if unkeyed:
        return hmac.compare_digest(stored, unkeyed_digest(row.prev_digest, fields).encode())
    return any(hmac.compare_digest(stored, audit_digest(row.prev_digest, fields, key).encode()) for key in keys)



# ---- The platform's trail (platform admins) ---------------------------------------------------------------

PLATFORM_PAGE_SIZE = 50
PLATFORM_CSV_LIMIT = 5000  # the newest events of a filter in one CSV; narrow the filter for older ones
ACTION_FORMAT = re.compile(r"^[a-z_]+(\.[a-z_]+)?$")
FILTER_FIELDS = ("organisation", "actor", "action", "since", "until")
KNOWN_ACTIONS = sorted({*SENTENCES, *PLATFORM_SENTENCES})  # suggested by the filter; any recorded action can be typed

NO_ORGANISATION = _l("No organisation is called “%(name)s”. Type its name as the organisations list shows it.")
SEVERAL_ORGANISATIONS = _l("Several organisations match “%(name)s”: %(names)s. Type the full name of one.")
NOBODY = _l("Nobody has the address “%(email)s”.")
BAD_ACTION = _l("Type an action as the trail writes it, such as “pitch.submitted”, or its first part alone, "
                "such as “pitch”.")
BAD_DAY = _l("Type a date as 2026-03-31.")
DAYS_REVERSED = _l("The first day is after the last day.")


@dataclass(frozen=True)
class Seal:
    """What one row's digest says (services/messaging/events.py): "anchored" (it matches, and an anchor covers the
    row), "holds" (it matches; no anchor covers it yet), "broken" (it does not match its content, or on an
    unfiltered page, the row before it). The whole chain is checked by `flask verify-audit`."""
    state: str

    @property
    def broken(self):
        return self.state == "broken"


@dataclass(frozen=True)
class About:
    """The object an event is about: `kind` says where it opens ("challenge": slug, "pilot": id, "organisation":
    name, "person": email, None: nowhere this reader may open), `key` what opens it, `label` what to call it."""
    kind: str | None
    key: object
    label: str


@dataclass(frozen=True)
class PlatformEntry:
    event: object
    email: str | None
    sentence: str
    about: About
    seal: Seal


@dataclass
class PlatformTrail:
    """One page of the platform's trail: the filter as typed (`typed`), its `errors` ({field: message}, and then
    no entries), the entries newest first, `older` (the `before` of the next page, or None), `first_page`
    (False on a page reached through `before`), and the latest anchor (None before the first)."""
    typed: dict
    errors: dict = field(default_factory=dict)
    entries: list = field(default_factory=list)
    older: int | None = None
    first_page: bool = True
    latest_anchor: object = None

    @property
    def filtered(self):
        return any(self.typed.values())


def _day(value, errors, name):
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not 1900 <= day.year < 9999:  # far years overflow once moved to UTC or a day on
        errors[name] = str(BAD_DAY)
        return None
    return day


def _organisation_named(typed, errors):
    """The organisation whose name is `typed`, or the only one whose name contains it, accents and case aside (as
    the admin's organisation search finds them: "liege" is Liège)."""
    found = organisation_names.first_named(select(Organisation).order_by(Organisation.name), typed, 6)
    exact = [o for o in found if fold(o.name) == fold(typed)]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0]
    if not found:
        errors["organisation"] = str(NO_ORGANISATION % {"name": typed})
    else:
        errors["organisation"] = str(SEVERAL_ORGANISATIONS % {"name": typed, "names": ", ".join(
            o.name for o in found[:5])})
    return None


# The kinds of an organisation's objects whose events are about it (besides its people, itself and its
# challenges): a company's pitches (what its people did, and what the agency did to them: shortlisted, not
# selected, refused access), its pilots, its invitations to pitch, its solutions, its invitations of colleagues.
ORGANISATION_OBJECTS = {"pitch": "pitches", "pilot": "pilots", "match": "matches", "solution": "solutions",
                        "invitation": "invitations"}
# The events on a challenge that name one of its pitches by its blind label (after["label"]): a score, a decision.
LABELLED_EVENTS = ("evaluation.scored", "evaluation.decided")


def _about_organisation(organisation):
    """The events by the organisation or about it: its people's doing, what was done to it or to its people, what
    was done to its objects (ORGANISATION_OBJECTS) and, on its pitches' challenges, the scores and decisions of its
    pitches (by label), and everything on its own challenges.

    The ids are read first, in one statement, and written into the query: with subqueries the planner expects most
    of the trail to match and walks it all backwards (1.1 s at 2 million rows for an organisation with no event);
    with the ids it reads each index (actor, object, challenge) for them alone."""
    def ids(column, name, *where):
        return select(column.label("ref"), literal(name).label("kind"), cast(null(), String(8)).label("label")) \
            .where(*where)

    found = db.session.execute(union_all(
        ids(Membership.user_id, "person", Membership.organisation_id == organisation.id),
        ids(Challenge.id, "challenge", Challenge.agency_id == organisation.id),
        ids(Pitch.id, "pitch", Pitch.company_id == organisation.id),
        ids(Pilot.id, "pilot", Pilot.company_id == organisation.id),
        ids(Match.id, "match", Match.organisation_id == organisation.id, Match.invited_at.is_not(None)),
        ids(Solution.id, "solution", Solution.organisation_id == organisation.id),
        ids(Invitation.id, "invitation", Invitation.organisation_id == organisation.id),
        select(PitchAssessment.challenge_id, literal("labelled"), PitchAssessment.label)
        .join(Pitch, Pitch.id == PitchAssessment.pitch_id).where(Pitch.company_id == organisation.id),
    )).all()
    by_kind = {}
    for row in found:
        by_kind.setdefault(row.kind, []).append(row)
    people = [row.ref for row in by_kind.get("person", ())]
    about = [AuditEvent.actor_id.in_(people),
             and_(AuditEvent.object_type == "organisations", AuditEvent.object_id == organisation.id),
             and_(AuditEvent.object_type == "users", AuditEvent.object_id.in_(people)),
             AuditEvent.challenge_id.in_([row.ref for row in by_kind.get("challenge", ())])]
    about += [and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_([row.ref for row in by_kind[name]]))
              for name, object_type in ORGANISATION_OBJECTS.items() if by_kind.get(name)]
    if by_kind.get("labelled"):
        label_of = AuditEvent.after["label"].as_string()
        about.append(and_(AuditEvent.action.in_(LABELLED_EVENTS), or_(*(
            and_(AuditEvent.challenge_id == row.ref, label_of == row.label) for row in by_kind["labelled"]))))
    return or_(*about)


def _of_family(family):
    """The events whose action is of this family ("pitch": pitch.submitted, pitch.decided, …; not pitch_session.*),
    as a range an index serves: `action LIKE 'pitch.%'` reads the whole trail on PostgreSQL unless the database
    sorts in the C locale. The range is that of the bytes ('.' is followed by '/'), whatever the locale: on
    PostgreSQL by the pattern operators, which compare bytes, and which the action's index (varchar_pattern_ops,
    migration 0036) serves; on SQLite the column compares bytes (BINARY). `family`: [a-z_]+ (ACTION_FORMAT)."""
    low, high = family + ".", family + "/"
    if db.session.get_bind().dialect.name == "postgresql":
        return and_(AuditEvent.action.op("~>=~", is_comparison=True)(low),
                    AuditEvent.action.op("~<~", is_comparison=True)(high))
    return and_(AuditEvent.action >= low, AuditEvent.action < high)


def _conditions(typed, errors):
    """The WHERE clauses of the typed filter; what cannot be read goes into `errors`, each by its field."""
    conditions = []
    if typed["organisation"]:
        organisation = _organisation_named(typed["organisation"], errors)
        if organisation is not None:
            conditions.append(_about_organisation(organisation))
    if typed["actor"]:
        actor_id = db.session.scalar(select(User.id).where(func.lower(User.email) == typed["actor"].lower()))
        if actor_id is None:
            errors["actor"] = str(NOBODY % {"email": typed["actor"]})
        else:
            conditions.append(AuditEvent.actor_id == actor_id)
    if typed["action"]:
        action = typed["action"].lower()
        if not ACTION_FORMAT.match(action):
            errors["action"] = str(BAD_ACTION)
        elif "." in action:
            conditions.append(AuditEvent.action == action)
        else:
            conditions.append(_of_family(action))
    since, until = _day(typed["since"], errors, "since"), _day(typed["until"], errors, "until")
    if since and until and since > until:
        errors["until"] = str(DAYS_REVERSED)
    zone = ZoneInfo(str(reader_zone()))  # the days as the reader lives them
    if since:
        conditions.append(AuditEvent.occurred_at >= datetime.combine(since, time(0), tzinfo=zone))
    if until:
        conditions.append(AuditEvent.occurred_at < datetime.combine(until + timedelta(days=1), time(0), tzinfo=zone))
    return conditions


def _typed(query):
    return {name: (query.get(name) or "").strip()[:254] for name in FILTER_FIELDS}


def _about(event, names, user):
    """Where the event's object opens for this reader: a challenge's events open the challenge (a pitch only its
    company reads, so its challenge), a pilot's the pilot, an organisation's and a person's the admin's lists."""
    if event.object_type == "pilots" and event.object_id in names.pilot_objects:
        pilot = names.pilot_objects[event.object_id]
        if permissions.can(user, "pilot.view", pilot):
            return About("pilot", pilot.id, names.company(pilot.company_id))
    challenge = names.challenge_of(event)
    if challenge is not None and permissions.can(user, "challenge.view", challenge):
        return About("challenge", challenge.slug, challenge.title)
    if event.object_type == "organisations" and event.object_id in names.companies \
            and permissions.can(user, "admin.view"):
        return About("organisation", names.companies[event.object_id].name, names.companies[event.object_id].name)
    if event.object_type == "users" and event.object_id in names.emails and permissions.can(user, "admin.view"):
        return About("person", names.emails[event.object_id], names.person(event.object_id))
    return About(None, None, f"{event.object_type} #{event.object_id}" if event.object_id else event.object_type)


def _seals(events, latest_anchor, first_anchor, linked):
    """Each event's Seal, checked with the key (no statement); `linked`: the events are consecutive in the chain
    (no filter), so each also must follow the one before it."""
    keys = [current_app.config["AUDIT_KEY"], *current_app.config.get("AUDIT_RETIRED_KEYS", ())]
    unkeyed_until = (first_anchor.last_event_id or 0) if first_anchor is not None and first_anchor.kind == "unkeyed" \
        else 0
    anchored_until = latest_anchor.last_event_id or 0 if latest_anchor is not None else 0
    seals = []
    for position, event in enumerate(events):  # newest first
        fields = {name: getattr(event, name) for name in CHAIN_FIELDS}
        holds = _digest_matches(event, fields, keys, event.id <= unkeyed_until)
        if linked and position + 1 < len(events):
            holds = holds and event.prev_digest == events[position + 1].digest
        seals.append(Seal("broken" if not holds else "anchored" if event.id <= anchored_until else "holds"))
    return seals


def _first_and_latest_anchors():
    ends = db.session.scalars(select(AuditAnchor).where(AuditAnchor.id.in_(
        select(func.min(AuditAnchor.id)).union(select(func.max(AuditAnchor.id)))))
        .order_by(AuditAnchor.id)).all()
    return (ends[0], ends[-1]) if ends else (None, None)


def _platform_rows(conditions, before, limit):
    """([(event, actor email)] newest first, {actor id: (name, email)}): the actors' names come with the rows."""
    query = select(AuditEvent, User.email, User.name).outerjoin(User, User.id == AuditEvent.actor_id) \
        .where(*conditions)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    found = db.session.execute(query.order_by(AuditEvent.id.desc()).limit(limit)).all()
    actors = {event.actor_id: (name, email) for event, email, name in found if event.actor_id is not None}
    return [(event, email) for event, email, _ in found], actors


def platform_trail(user, query, before=None, per_page=PLATFORM_PAGE_SIZE):
    """One page of every organisation's trail, newest first, for platform admins: `query` holds the filter as
    typed (organisation: a name, actor: an email address, action: "pitch.submitted" or "pitch", since and
    until: days in the reader's zone, both included); `before`: an event id, the page starts below it (keyset:
    as quick deep in millions of rows as on the first page). Statements: the filter's organisation and person
    (when typed), the page, the names its sentences need, and the anchors."""
    permissions.require(user, "audit.read_platform")
    trail = PlatformTrail(typed=_typed(query), first_page=before is None)
    conditions = _conditions(trail.typed, trail.errors)
    if trail.errors:
        return trail
    rows, actors = _platform_rows(conditions, before, per_page + 1)
    if len(rows) > per_page:
        rows = rows[:per_page]
        trail.older = rows[-1][0].id
    # Read as recorded: `audit.read_platform` lets in only those who see every event (sees_every_event).
    entries, names = describe_with_names(None, rows, user, actors)
    first_anchor, trail.latest_anchor = _first_and_latest_anchors()
    seals = _seals([event for event, _ in rows], trail.latest_anchor, first_anchor,
                   linked=not conditions and len(rows) > 1)
    trail.entries = [PlatformEntry(entry.event, entry.email, entry.sentence, _about(entry.event, names, user), seal)
                     for entry, seal in zip(entries, seals)]
    return trail


def platform_trail_csv(user, query):
    """The newest PLATFORM_CSV_LIMIT events of the filter as CSV (`trail_as_csv`'s columns), or (None, errors)."""
    permissions.require(user, "audit.read_platform")
    typed = _typed(query)
    errors = {}
    conditions = _conditions(typed, errors)
    if errors:
        return None, errors
    rows, actors = _platform_rows(conditions, None, PLATFORM_CSV_LIMIT)
    entries, _ = describe_with_names(None, rows, user, actors)
    return trail_as_csv(entries), {}

