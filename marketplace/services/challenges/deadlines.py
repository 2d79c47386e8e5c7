"""Time-based workflow run by beat: closing challenges at their deadline and the 48-hour reminder.

Beat may run twice, or late: closing is a no-op for a closed challenge, and
every notice has a dedupe key per challenge and person, so each is sent once.
"""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Challenge, Membership, Pitch, User
from marketplace.models.challenge import CLOSED
from marketplace.services.challenges import lifecycle
from marketplace.services.pitches import lifecycle as pitch_lifecycle
from marketplace.services.pitches.wording import words_for
from marketplace.services.challenges.challenges import close_challenge
from marketplace.services.clock import utcnow
from marketplace.services.organisations.companies import followers_of
from marketplace.services.messaging import links
from marketplace.services.messaging.notifications import notify
from marketplace.services.messaging.outbox import handles

REMINDER_BEFORE = timedelta(hours=48)


def close_due_challenges(now=None):
    """Close every published challenge whose pitch deadline has passed; the pitches unseal for the agency."""
    now = now or utcnow()
    closed = 0
    ids = db.session.scalars(select(Challenge.id).where(lifecycle.due_condition(CLOSED, now))).all()
    for challenge_id in ids:
        query = select(Challenge).where(Challenge.id == challenge_id)
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)  # two beats at once: one closes it
        challenge = db.session.scalar(query)
        if challenge is not None and close_challenge(challenge, now=now):
            closed += 1
        db.session.commit()
    return closed


@handles("challenge.closed")
def tell_the_publishers_how_many_arrived(event):
    challenge = db.session.get(Challenge, event.payload["object_id"])
    if challenge is None:
        return
    received = db.session.scalar(select(func.count(Pitch.id)).where(Pitch.challenge_id == challenge.id,
                                                                    Pitch.status.in_(pitch_lifecycle.RECEIVED)))
    publishers = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organisation_id == challenge.agency_id,
        Membership.role.in_(("owner", "publisher", "procurement_officer")))).all()
    words = words_for(challenge)
    for user in publishers:
        notify(user, kind="challenge.closed", title=words.count("closed_arrived", received, title=challenge.title),
               body=words.closed_next,
               link=links.challenge_pitches_path(challenge), dedupe_key=f"closed:{challenge.id}:{user.id}",
               email_template="notification")


def send_deadline_reminders(now=None):
    """48 hours before the pitch deadline: companies with a draft pitch, and followers, are reminded once.

    Every challenge whose deadline falls in the next 48 hours qualifies, so a beat
    that was down for a while still reminds; the dedupe key keeps it to one each.
    """
    now = now or utcnow()
    challenges = db.session.scalars(select(Challenge).where(
        lifecycle.taking_pitches_condition(now), Challenge.pitch_deadline <= now + REMINDER_BEFORE)).all()
    sent = 0
    for challenge in challenges:
        drafting = db.session.scalars(
            select(User).join(Membership, Membership.user_id == User.id)
            .join(Pitch, Pitch.company_id == Membership.organisation_id)
            .where(Pitch.challenge_id == challenge.id, Pitch.status.in_(pitch_lifecycle.DRAFT))).unique().all()
        # A follower whose company has already submitted, or withdrawn, has nothing left to do before the deadline.
        done = set(db.session.scalars(
            select(Membership.user_id).join(Pitch, Pitch.company_id == Membership.organisation_id)
            .where(Pitch.challenge_id == challenge.id, Pitch.status.not_in(pitch_lifecycle.DRAFT))))
        people = {u.id: (u, True) for u in followers_of(challenge) if u.id not in done}
        people.update({u.id: (u, False) for u in drafting})
        # Keyed by the deadline it reminds of: an extended deadline (amendments.py) is reminded of again.
        reminder_key = f"reminder48:{challenge.id}:{int(challenge.pitch_deadline.timestamp())}"
        words = words_for(challenge)
        for user, following_only in people.values():
            body = _l("Your company follows this challenge.") if following_only else words.still_draft
            if notify(user, kind="challenge.deadline_soon", title=words.say("close_soon", title=challenge.title),
                      body=body, link=links.challenge_path(challenge),
                      dedupe_key=f"{reminder_key}:{user.id}", email_template="notification"):
                sent += 1
    db.session.commit()
    return sent
