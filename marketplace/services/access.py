"""Finders: the one way to load an object for a person.

Each finder loads one kind of object (challenge, pitch, attachment, assessment,
pilot, question), asks `permissions`, and answers *not found* wherever even a
refusal would reveal that the object exists. Pages, API operations and tasks all
load through here, so an object is never found by one route and hidden by another.

A pitch refused to the challenge's own panel member after the seal (not yet
declared, recused, not on the panel) is not hidden from them: they know the
pitches arrived. They get `Withheld`, which says why and what to do first.
"""
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from marketplace.extensions import db
from marketplace.models import Challenge, Pilot, Pitch, Question
from marketplace.models.challenge import remember_sectors, sectors_column
from marketplace.models.evaluation import PitchAssessment
from marketplace.services import permissions
from marketplace.services.challenges import lifecycle
from marketplace.services.pitches import lifecycle as pitch_lifecycle
from marketplace.services.errors import NotFound, Withheld
from marketplace.services.messaging.events import record_audit_only

WITHHELD = {
    permissions.AWAITING_EVALUATION: _l("The pitches are opened by the evaluation panel: once the evaluation has "
                                        "started, each evaluator declares any conflict of interest and then reads "
                                        "them."),
    permissions.UNDECLARED: _l("Declare your conflicts of interest first: until you have, you see no pitches."),
    permissions.RECUSED: _l("You declared a conflict of interest. You are recused: you see no pitches and no "
                            "scores."),
    permissions.OFF_PANEL: _l("Until the evaluation is finalised, only the evaluators who declared no conflict of "
                              "interest read the pitches."),
}


def _missing(what):
    messages = {"challenge": _l("We could not find that challenge."), "pitch": _l("We could not find that pitch."),
                "attachment": _l("We could not find that attachment."), "pilot": _l("We could not find that pilot."),
                "question": _l("We could not find that question.")}
    return NotFound(str(messages[what]))


# --- challenges ---------------------------------------------------------------------------------------

def challenge(user, slug=None, *, id=None, with_sectors=False):
    """A challenge this person may see, by slug or id; a draft is 'not found' outside its agency.

    `with_sectors`: its sectors are read in the same statement (kept as Challenge.sectors keeps them)."""
    if id is not None:
        found = db.session.get(Challenge, id)
    elif not slug:
        found = None
    else:
        if not with_sectors:
            found = db.session.scalar(_by_slug(False), {"slug": slug})
        else:
            row = db.session.execute(_by_slug(True), {"slug": slug}).first()
            found = row[0] if row else None
            if found is not None:
                remember_sectors(db.session, found.id, row[1])
    if found is None or not permissions.can(user, "challenge.view", found):
        raise _missing("challenge")
    return found


@cache
def _by_slug(with_sectors):
    """The statement reading a challenge by its slug (a parameter): built once, not at every page."""
    # Every page of a challenge names its agency: read it with the challenge, not in a second statement.
    query = select(Challenge).options(joinedload(Challenge.agency)).where(Challenge.slug == bindparam("slug"))
    return query.add_columns(sectors_column()) if with_sectors else query


def challenge_for(user, action, slug=None, *, id=None):
    """A visible challenge on which `action` is allowed; a hidden action answers 'not found', others 403."""
    found = challenge(user, slug, id=id)
    if action in permissions.HIDDEN and not permissions.can(user, action, found):
        raise _missing("challenge")
    permissions.require(user, action, found)
    return found


def evaluation_challenge(user, slug=None, *, id=None):
    """A challenge whose evaluation this person takes part in; to anyone else it is 'not found'."""
    found = db.session.get(Challenge, id) if id is not None else \
        db.session.scalar(select(Challenge).where(Challenge.slug == slug)) if slug else None
    if found is None or not permissions.can(user, "evaluation.take_part", found):
        raise _missing("challenge")
    return found


# --- pitches ------------------------------------------------------------------------------------------

def _load_pitch(pitch_id, for_update=False):
    query = select(Pitch).where(Pitch.id == pitch_id)
    if for_update and db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # two submits at once: the second waits and sees the first
    return db.session.scalar(query)


# A panel member who had not declared when the challenge was cancelled can declare no more (evaluation.may_declare):
# "declare first" would send them to a form that is gone. Its own standing, so pages offer no step that comes first.
UNDECLARED_WHEN_CANCELLED = "undeclared_when_cancelled"
WITHHELD[UNDECLARED_WHEN_CANCELLED] = _l("This challenge was cancelled before you declared your conflicts of "
                                         "interest: its pitches stay closed to you.")


# Cancelled before its evaluation was finalised: one waiting for the evaluation to start (the panel) or to be
# finalised (off the panel) would wait for ever. Its own standing, told the same way as the one above.
CANCELLED_UNFINALISED = "cancelled_unfinalised"
WITHHELD[CANCELLED_UNFINALISED] = _l("This challenge was cancelled before its evaluation was finalised: its pitches "
                                     "stay closed to you.")
# The standings a cancellation made final: the pages offer no step that would come first, only the way back.
CANCELLED_STANDINGS = frozenset({UNDECLARED_WHEN_CANCELLED, CANCELLED_UNFINALISED})
_WHEN_CANCELLED = {permissions.UNDECLARED: UNDECLARED_WHEN_CANCELLED,
                   permissions.AWAITING_EVALUATION: CANCELLED_UNFINALISED,
                   permissions.OFF_PANEL: CANCELLED_UNFINALISED}


def _as_told(standing, challenge):
    """The standing as a page tells it: once the challenge is cancelled, a standing that waits for a step of its
    evaluation (declaring, the evaluation starting or being finalised) says nothing comes any more."""
    if standing in _WHEN_CANCELLED and challenge is not None and lifecycle.state_of(challenge).called_off:
        return _WHEN_CANCELLED[standing]
    return standing


def withheld(standing, challenge):
    standing = _as_told(standing, challenge)
    return Withheld(str(WITHHELD[standing]), reason=standing, challenge=challenge)


def refuse_pitch(user, pitch, *, explain=True):
    """Record the refused attempt (it changes no state, so no outbox event), then refuse.

    With `explain`, the challenge's panel member who may not read it yet is told why
    (`Withheld`); everyone else gets 'not found', exactly as for a pitch that does not exist.
    """
    standing = permissions.agency_pitch_standing(user, pitch.challenge) \
        if explain and pitch_lifecycle.state_of(pitch).received else None
    challenge = pitch.challenge
    actor = user if permissions.signed_in(user) else None  # asked before the rollback expires the user
    db.session.rollback()
    record_audit_only(actor, "pitch.access_refused", "pitches",
                      pitch.id, challenge_id=pitch.challenge_id,
                      after={"user_organisation_id": getattr(getattr(user, "membership", None), "organisation_id",
                                                             None)})
    db.session.commit()
    if standing in WITHHELD:
        raise withheld(standing, challenge)
    raise _missing("pitch")


def pitch(user, pitch_id, *, for_update=False):
    """A pitch this person may read (its company; the agency after the seal, under the evaluation's rules)."""
    found = _load_pitch(pitch_id, for_update)
    if found is None:
        raise _missing("pitch")
    if not permissions.can(user, "pitch.read", found):
        refuse_pitch(user, found)
    return found


def own_pitch(user, pitch_id, *, for_update=False):
    """A pitch of this person's own company (its receipt, its pitch session); to anyone else 'not found'."""
    found = _load_pitch(pitch_id, for_update)
    if found is None:
        raise _missing("pitch")
    if not permissions.can(user, "pitch.write", found):
        refuse_pitch(user, found, explain=False)
    return found


def agency_pitch(user, pitch_id):
    """A pitch of a challenge whose pitches this agency reader may act on (to start a pilot from it)."""
    found = db.session.get(Pitch, pitch_id)
    if found is None or not permissions.can(user, "challenge.read_pitches", found.challenge):
        raise _missing("pitch")
    return found


def attachment(user, pitch_id, attachment_id):
    """An attachment of a pitch this person may read."""
    found = pitch(user, pitch_id)
    item = next((a for a in found.attachments if a.id == attachment_id), None)
    if item is None:
        raise _missing("attachment")
    return item


def received_pitches(user, challenge):
    """(standing, the received pitches or None when this agency reader may not read them); 'not found' outside."""
    if not permissions.can(user, "challenge.read_pitches", challenge):
        raise _missing("challenge")
    standing = permissions.agency_pitch_standing(user, challenge)
    if standing != permissions.READS:
        return _as_told(standing, challenge), None
    return standing, db.session.scalars(
        select(Pitch).where(Pitch.challenge_id == challenge.id, Pitch.status.in_(pitch_lifecycle.RECEIVED))
        .order_by(Pitch.submitted_at)
    ).all()


# --- evaluation, pilots, questions --------------------------------------------------------------------

def assessment(user, assessment_id):
    """A pitch under evaluation (its blind label) in an evaluation this person takes part in."""
    found = db.session.get(PitchAssessment, assessment_id) if assessment_id is not None else None
    if found is None or not permissions.can(user, "evaluation.take_part", db.session.get(Challenge,
                                                                                         found.challenge_id)):
        raise _missing("pitch")
    return found


def pilot(user, pilot_id):
    """The pilot if this person may see it; otherwise 'not found', so ids cannot be probed."""
    found = db.session.get(Pilot, pilot_id)
    if found is None or not permissions.can(user, "pilot.view", found):
        raise _missing("pilot")
    return found


def question_to_answer(user, question):
    """The question (or its id) this person may answer; to anyone outside the challenge's agency it does not exist."""
    found = question if isinstance(question, Question) else db.session.get(Question, question)
    if found is None or not permissions.can(user, "question.answer", found.challenge):
        raise _missing("question")
    return found
