"""Pitches: drafting, submitting before the deadline with a receipt, withdrawing, and the seal.

The seal (EU Directive 2014/24, Annex IV): a submitted pitch is seen by its
company, and by the challenge's agency only after the pitch deadline; never by
another company. A refused attempt to open a sealed pitch is written to the
audit trail and answered "not found", exactly like an id that does not exist.

Changes to a submitted pitch, made before the deadline, are submitted at once
with a new receipt: a company never loses its submission by editing it. Whether
a change is allowed now, and why not, is `possibilities.py`'s answer; each
receipt's reference and email are `receipts.py`'s.

A pitch is written in short steps (`STEPS`); saving a step changes only that
step's fields, so a draft is saved as the company goes. When a session has
ended before a step was saved, what was typed is kept for that person alone
(`keep_unsaved_step`) until they sign in again and save it.
"""
import hashlib
import json
from datetime import timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError

from marketplace.extensions import db
from marketplace.formatting import lazy, number
from marketplace.models import Challenge, Pitch, PitchAttachment, UnsavedPitchStep, User
from marketplace.models.pitch import (PITCH_DRAFT, PITCH_SUBMITTED, PITCH_WITHDRAWN, RECEIPT_RESUBMITTED,
                                     RECEIPT_SUBMITTED, RECEIPT_WITHDRAWN, RECEIVED_STATUSES)
from marketplace.services import access, permissions
from marketplace.services.challenges import lifecycle
from marketplace.services.challenges.challenges import WEEKS_PROBLEM
from marketplace.services.pitches import possibilities, receipts, uploads
from marketplace.services.pitches.lifecycle import state_of
from marketplace.services.pilots.amounts import parse_amount
from marketplace.services.clock import utcnow
from marketplace.services.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from marketplace.services.messaging.events import record_change
from marketplace.services.signing import timed_serializer

LIMITS = {"title": 200, "summary": 1000, "approach": 10000, "evidence": 10000, "team": 5000}
TEXT_FIELDS = tuple(LIMITS)
REQUIRED_TO_SUBMIT = {"title": _l("Give your pitch a title."), "summary": _l("Summarise your pitch."),
                      "approach": _l("Describe your approach.")}
INCOMPLETE = _l("Fill in the title, summary and approach before you submit.")
MAX_ATTACHMENTS = 5
MAX_PRICE = 100_000_000
RECEIPT_FIELDS = TEXT_FIELDS + ("trl", "pilot_price", "pilot_duration_weeks")
# The steps of the pitch form that hold fields, in order, and the fields each one saves.
STEPS = {"about": ("title", "summary"), "approach": ("approach", "evidence", "trl"),
         "pilot": ("pilot_price", "pilot_duration_weeks", "team")}
# No pilot follows a market consultation (lifecycle.ranks_pitches): its answers give an indicative cost, if they
# can, and who would do the work; a pilot's duration is neither asked nor kept. Its third step is named (and its
# address says) what it asks: `cost`; the address of a call for solutions' `pilot` step leads there (`STEP_FOR`).
CONSULTATION_STEPS = {"about": STEPS["about"], "approach": STEPS["approach"], "cost": ("pilot_price", "team")}
# Every step name an address may carry, and the one it is for a challenge of the other kind.
ALL_STEPS = {**STEPS, **CONSULTATION_STEPS}
STEP_ELSEWHERE = {"pilot": "cost", "cost": "pilot"}
STEP_FIELDS = {name for fields in STEPS.values() for name in fields}
# How long a step page may stay open and still have what was typed kept after the session ends.
KEEP_UNSAVED_FOR = timedelta(days=7)
DRAFT_KEY_SALT = "agora.pitch-draft"


def steps_for(challenge):
    """The steps of a pitch for this challenge and the fields each one saves: `STEPS`, or a market consultation's."""
    return STEPS if lifecycle.ranks_pitches(challenge) else CONSULTATION_STEPS


def step_for(challenge, step):
    """The name of `step` for this challenge: the other kind's name of the same step (`pilot` for a consultation,
    an old address) gives this one's, so an address kept from before still leads to the step. None if no such
    step."""
    steps = steps_for(challenge)
    if step in steps:
        return step
    return STEP_ELSEWHERE.get(step) if step in ALL_STEPS else None


def _asked(challenge, data):
    """`data` with what this challenge does not ask emptied: a pilot duration given for a market consultation (the
    API takes the whole pitch) is not kept."""
    asked = {name for fields in steps_for(challenge).values() for name in fields}
    return {name: None if name in STEP_FIELDS and name not in asked else value for name, value in data.items()}


def own_pitch(user, challenge):
    """The pitch of the user's company for this challenge, if any."""
    if not permissions.can(user, "challenge.pitch", challenge):
        return None
    return db.session.scalar(select(Pitch).where(Pitch.challenge_id == challenge.id,
                                                 Pitch.company_id == user.membership.organisation_id))


def writing(user, slug):
    """(challenge, the company's pitch or None before its first save), for someone who may pitch for it."""
    challenge = access.challenge_for(user, "challenge.pitch", slug)
    return challenge, own_pitch(user, challenge)


def _writable(user, pitch_id):
    pitch = access.pitch(user, pitch_id, for_update=True)
    if not permissions.can(user, "pitch.write", pitch):
        raise NotAllowed(str(_l("Only members of the company that wrote this pitch can change it.")))
    return pitch


def _clean(data):
    """The fields given in `data`, checked and tidied; fields not given are left out (a step saves its own)."""
    errors, clean = {}, {}
    for name, limit in LIMITS.items():
        if name not in data:
            continue
        # Browsers send a typed line break as CR LF; one character, as the character count shows it.
        value = (data.get(name) or "").replace("\r\n", "\n").strip()
        if len(value) > limit:
            errors[name] = _l("This must be %(n)s characters or fewer.", n=lazy(number, limit))
        clean[name] = value
    for name, low, high, message in (
            ("trl", 1, 9, _l("Choose a level from 1 to 9.")),
            ("pilot_duration_weeks", 1, 104, WEEKS_PROBLEM),
            ("pilot_price", 0, MAX_PRICE, _l("Enter a price in whole euro, from 0 to %(max)s.",
                                             max=lazy(number, MAX_PRICE)))):
        if name not in data:
            continue
        raw = data.get(name)
        if raw in (None, ""):
            clean[name] = None
            continue
        try:
            value = _whole_euro(raw) if name == "pilot_price" else int(str(raw).strip())
            if not low <= value <= high:
                raise ValueError
            clean[name] = value
        except (TypeError, ValueError):
            errors[name] = message
    if errors:
        raise ValidationFailed(errors)
    return clean


def _whole_euro(raw):
    """A price typed as people write amounts (25000, 25.000, 25 000), in whole euro; ValueError otherwise."""
    value = parse_amount(raw)
    if value is None or value != value.to_integral_value():
        raise ValueError(raw)
    return int(value)


def receipt_digest(pitch):
    """SHA-256 over exactly what was submitted: the fields and the attachments' own digests."""
    def canonical(name):
        value = getattr(pitch, name)
        if value is None:
            return None
        if name == "pilot_price":  # the same text whether it comes from the form or the database
            return str(Decimal(str(value)).quantize(Decimal("0.01")))
        return str(value)

    document = {
        "challenge_id": pitch.challenge_id, "company_id": pitch.company_id,
        **{name: canonical(name) for name in RECEIPT_FIELDS},
        "attachments": sorted(a.sha256 for a in pitch.attachments),
    }
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify_receipt(pitch):
    return pitch.receipt_digest is not None and pitch.receipt_digest == receipt_digest(pitch)


def missing_for_submission(pitch):
    """{field: message} for what the pitch still needs before it can be submitted."""
    return {name: message for name, message in REQUIRED_TO_SUBMIT.items()
            if pitch is None or not getattr(pitch, name)}


def step_of(field, challenge=None):
    """The step of this challenge's pitch that asks `field`."""
    steps = STEPS if challenge is None else steps_for(challenge)
    return next(step for step, fields in steps.items() if field in fields)


def step_states(pitch):
    """{step: 'completed' | 'started' | 'not_started'}: every field of the step filled, some, or none."""
    states = {}
    for step, fields in (STEPS if pitch is None else steps_for(pitch.challenge)).items():
        filled = sum(1 for name in fields if pitch is not None and getattr(pitch, name) not in (None, ""))
        states[step] = "completed" if filled == len(fields) else "started" if filled else "not_started"
    return states


def _issue_receipt(actor, pitch, now, action):
    missing = missing_for_submission(pitch)
    if missing:
        raise ValidationFailed(missing, message=str(INCOMPLETE))
    before = {"status": pitch.status, "receipt_digest": pitch.receipt_digest}
    db.session.flush()
    pitch.status = PITCH_SUBMITTED
    pitch.submitted_at = now
    pitch.withdrawn_at = None
    pitch.receipt_digest = receipt_digest(pitch)
    receipt = receipts.issue(actor, pitch, RECEIPT_SUBMITTED if action == "pitch.submitted" else RECEIPT_RESUBMITTED,
                             now)
    db.session.flush()
    record_change(actor, action, pitch, before=before,
                  after={"status": PITCH_SUBMITTED, "submitted_at": now, "receipt_digest": pitch.receipt_digest,
                         "receipt_reference": receipt.reference},
                  challenge_id=pitch.challenge_id, payload={"receipt_id": receipt.id})


def save_draft(user, slug, data, *, step=None):
    """Create or change the company's pitch; a submitted one is re-submitted with a new receipt.

    Only the fields in `data` change; with `step`, exactly that step's fields,
    and what the person typed into that step before a session ended is forgotten.
    Saving what is already there changes nothing (and issues no new receipt).
    """
    return write_pitch(user, slug, data, step=step)[0]


def write_pitch(user, slug, data, *, step=None):
    """`save_draft`, also telling whether the pitch is new: (pitch, created)."""
    if step is not None and step not in ALL_STEPS:
        raise NotFound(str(_l("We could not find that step.")))
    challenge, pitch = writing(user, slug)
    if step is not None:
        step = step_for(challenge, step)
        data = {name: data.get(name) for name in steps_for(challenge)[step]}
    clean = _clean(_asked(challenge, data))
    now = possibilities.require(challenge, pitch, user, "write")
    created = pitch is None
    try:
        if created:
            pitch = Pitch(challenge_id=challenge.id, company_id=user.membership.organisation_id,
                          created_by_id=user.id, status=PITCH_DRAFT, **clean)
            db.session.add(pitch)
            record_change(user, "pitch.created", pitch, challenge_id=challenge.id)
        else:
            pitch = _writable(user, pitch.id)
            changed = {name: value for name, value in clean.items() if getattr(pitch, name) != value}
            for name, value in changed.items():
                setattr(pitch, name, value)
            if changed and state_of(pitch).submitted:
                _issue_receipt(user, pitch, now, "pitch.resubmitted")
        if step is not None:
            _forget_unsaved(user, challenge.id, step)
        db.session.commit()
    except ValidationFailed:
        db.session.rollback()  # a submitted pitch may not lose what submission needs: nothing changes
        raise
    except IntegrityError:
        # A colleague started the company's pitch at the same moment: one pitch per company.
        db.session.rollback()
        raise Conflict(str(_l("Your company already has a pitch for this challenge. Open it and try again."))) \
            from None
    return pitch, created


def draft_key(user, challenge):
    """A signed note of who is writing which pitch, carried by each step page.

    When the session has ended by the time the step is posted, it proves who
    typed it, so what they typed can be kept for them and for no one else.
    """
    return timed_serializer(DRAFT_KEY_SALT).dumps({"user": user.id, "challenge": challenge.id})


def keep_unsaved_step(key, slug, step, typed):
    """Keep what was typed into a step whose session had ended; the person it belongs to, or None.

    Nothing is kept without a genuine, recent draft key for this challenge, or
    for someone who may no longer pitch. Nothing is saved to the pitch: the
    person sees it again after signing in, checks it and saves it themselves.
    """
    try:
        claim = timed_serializer(DRAFT_KEY_SALT).loads(key or "", max_age=KEEP_UNSAVED_FOR.total_seconds())
    except BadSignature:
        return None
    if step not in ALL_STEPS or not isinstance(claim, dict):
        return None
    challenge = db.session.scalar(select(Challenge).where(Challenge.slug == slug))
    user = db.session.get(User, claim.get("user")) if isinstance(claim.get("user"), int) else None
    if challenge is None or challenge.id != claim.get("challenge") or user is None \
            or not permissions.can(user, "challenge.pitch", challenge):
        return None
    _keep(user, challenge, step_for(challenge, step), typed)
    return user


def keep_refused_step(user, challenge, step, typed):
    """Keep what was typed into a step the person posted and was refused (the reasons are on the page with it):
    loading the page again before they correct it, as the language switcher does, shows their text and the
    reasons (`step_problems`) instead of the saved draft. Kept like an ended session's text, for them alone.
    Whether it was kept (not when the person may no longer pitch: the page then shows the text read-only)."""
    if step in ALL_STEPS and permissions.can(user, "challenge.pitch", challenge):
        _keep(user, challenge, step_for(challenge, step), typed, refused=True)
        return True
    return False


def _keep(user, challenge, step, typed, refused=False):
    # Twice the limit keeps anything a person could have typed, and bounds what a hostile post can store.
    kept = {name: str(typed.get(name) or "")[:2 * LIMITS.get(name, 16)] for name in steps_for(challenge)[step]}
    _forget_unsaved(user, challenge.id, step)
    db.session.add(UnsavedPitchStep(user_id=user.id, challenge_id=challenge.id, step=step, typed=kept,
                                    refused=refused))
    db.session.commit()


def kept_step(user, challenge, step):
    """This person's unsaved text for this step, if it is still kept: the row (`typed`, `refused`), or None."""
    return db.session.scalar(select(UnsavedPitchStep).where(
        UnsavedPitchStep.user_id == user.id, UnsavedPitchStep.challenge_id == challenge.id,
        UnsavedPitchStep.step == step, UnsavedPitchStep.kept_at > utcnow() - KEEP_UNSAVED_FOR))


def unsaved_step(user, challenge, step):
    """What this person typed into this step and did not save, if it is still kept: {field: text}."""
    kept = kept_step(user, challenge, step)
    return dict(kept.typed) if kept is not None else None


def step_problems(step, typed):
    """What saving this step's text would be refused for, as field errors ({} when nothing): the same checks
    as saving, to show a refused step's reasons again when its page is loaded anew."""
    try:
        _clean({name: typed.get(name) for name in ALL_STEPS[step]})
    except ValidationFailed as exc:
        return exc.errors
    return {}


def discard_unsaved_step(user, challenge, step):
    _forget_unsaved(user, challenge.id, step)
    db.session.commit()


def _forget_unsaved(user, challenge_id, step):
    """Remove this person's kept text for the step, and anyone's that has grown too old."""
    db.session.execute(delete(UnsavedPitchStep).where(or_(
        and_(UnsavedPitchStep.user_id == user.id, UnsavedPitchStep.challenge_id == challenge_id,
             UnsavedPitchStep.step == step),
        UnsavedPitchStep.kept_at <= utcnow() - KEEP_UNSAVED_FOR)))


def submit_pitch(user, pitch_id):
    pitch = _writable(user, pitch_id)
    permissions.require(user, "pitch.submit", pitch)
    now = possibilities.require(pitch.challenge, pitch, user, "submit")
    _issue_receipt(user, pitch, now, "pitch.submitted" if not state_of(pitch).submitted else "pitch.resubmitted")
    db.session.commit()
    return pitch


def withdraw_pitch(user, pitch_id):
    pitch = _writable(user, pitch_id)
    now = possibilities.require(pitch.challenge, pitch, user, "withdraw")
    pitch.status = PITCH_WITHDRAWN
    pitch.withdrawn_at = now
    receipt = receipts.issue(user, pitch, RECEIPT_WITHDRAWN, now)
    db.session.flush()
    record_change(user, "pitch.withdrawn", pitch, before={"status": PITCH_SUBMITTED},
                  after={"status": PITCH_WITHDRAWN, "withdrawn_at": now, "receipt_reference": receipt.reference},
                  challenge_id=pitch.challenge_id, payload={"receipt_id": receipt.id})
    db.session.commit()
    return pitch


def pitches_of_company(organisation_id):
    """Every pitch of one company, most recently changed first."""
    return db.session.scalars(select(Pitch).where(Pitch.company_id == organisation_id)
                              .order_by(Pitch.updated_at.desc(), Pitch.id.desc())).all()


def own_pitches(user):
    """The pitches of the user's own company (the API's list); nobody else's, ever."""
    permissions.require(user, "pitch.list_own")
    return pitches_of_company(user.membership.organisation_id)


def pitches_for_agency(user, challenge):
    """The received pitches, for those of the challenge's agency who may read them now (`access.received_pitches`);
    None while they may not (sealed, or the evaluation's rules)."""
    return access.received_pitches(user, challenge)[1]


def add_attachment(user, pitch_id, *, stream, filename):
    pitch = _writable(user, pitch_id)
    now = possibilities.require(pitch.challenge, pitch, user, "write")
    if len(pitch.attachments) >= MAX_ATTACHMENTS:
        raise ValidationFailed({"file": _l("A pitch can have at most %(n)s attachments.", n=MAX_ATTACHMENTS)})
    stored = uploads.store_upload(stream, filename, field="file")
    attachment = PitchAttachment(filename=stored.filename, stored_name=stored.stored_name,
                                 content_type=stored.content_type, size=stored.size, sha256=stored.sha256)
    pitch.attachments.append(attachment)
    record_change(user, "pitch.attachment_added", pitch, after={"filename": stored.filename, "sha256": stored.sha256},
                  challenge_id=pitch.challenge_id)
    if state_of(pitch).submitted:
        _issue_receipt(user, pitch, now, "pitch.resubmitted")
    uploads.commit_keeping(stored)
    return attachment


def remove_attachment(user, pitch_id, attachment_id):
    pitch = _writable(user, pitch_id)
    now = possibilities.require(pitch.challenge, pitch, user, "write")
    attachment = next((a for a in pitch.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(str(_l("We could not find that attachment.")))
    stored_name = attachment.stored_name
    pitch.attachments.remove(attachment)
    record_change(user, "pitch.attachment_removed", pitch, before={"filename": attachment.filename},
                  challenge_id=pitch.challenge_id)
    if state_of(pitch).submitted:
        _issue_receipt(user, pitch, now, "pitch.resubmitted")
    db.session.commit()
    uploads.discard(stored_name)


def attachment_for_download(user, pitch_id, attachment_id):
    attachment = access.attachment(user, pitch_id, attachment_id)
    return attachment, uploads.stored_path(attachment.stored_name)
