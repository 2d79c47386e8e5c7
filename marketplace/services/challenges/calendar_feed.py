"""Each person's private calendar feed (.ics) of the deadlines that concern them.

The feed's address carries a random token of the person's own (`User.calendar_token`, 256 bits): calendar apps
fetch it without signing in, so whoever holds the address reads the feed — the person can make a new one (the
old address stops working) or turn the feed off. It lists the question and pitch deadlines of the challenges
their company follows or pitches for (an agency member: their agency's challenges), cancelled ones left out.
"""
import secrets

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from sqlalchemy import or_, select

from marketplace.extensions import db
from marketplace.models import Challenge, Follow, Pitch, User
from marketplace.services import permissions
from marketplace.services.challenges.challenges import is_public
from marketplace.services.clock import utcnow
from marketplace.services.errors import NotFound
from marketplace.services.messaging import links
from marketplace.services.messaging.events import record_change
from marketplace.services.messaging.mail import recipient_locale
from marketplace.services.pitches import lifecycle as pitch_lifecycle

TOKEN_BYTES = 32


def renew_token(user):
    """A new private address for the person's feed; the previous one stops working."""
    permissions.require(user, "calendar.manage")
    user.calendar_token = secrets.token_urlsafe(TOKEN_BYTES)
    record_change(user, "user.calendar_feed_renewed", user)
    db.session.commit()
    return user.calendar_token


def turn_off(user):
    permissions.require(user, "calendar.manage")
    if user.calendar_token is not None:
        user.calendar_token = None
        record_change(user, "user.calendar_feed_turned_off", user)
        db.session.commit()


def _owner_of(token):
    user = None
    if token and len(token) <= 64:
        user = db.session.scalar(select(User).where(User.calendar_token == token))
    if user is None or user.is_suspended or user.organisation is None or user.organisation.suspended:
        raise NotFound(str(_l("We could not find that calendar.")))
    return user


def challenges_in_feed(user):
    """The challenges whose deadlines the person's feed shows, soonest deadline first."""
    organisation = user.organisation
    if permissions.is_agency(organisation):
        mine = Challenge.agency_id == organisation.id
    else:
        mine = or_(Challenge.id.in_(select(Follow.challenge_id).where(Follow.organisation_id == organisation.id)),
                   Challenge.id.in_(select(Pitch.challenge_id).where(Pitch.company_id == organisation.id,
                                                                    Pitch.status.not_in(pitch_lifecycle.WITHDRAWN))))
    return db.session.scalars(
        select(Challenge).where(mine, is_public(), Challenge.cancelled_at.is_(None))
        .order_by(Challenge.pitch_deadline, Challenge.id)).all()


def feed(token):
    """The iCalendar text of the feed the token opens (NotFound for an unknown or turned-off token)."""
    user = _owner_of(token)
    calendar = Calendar()
    calendar.add("prodid", "-//Agora//Deadlines//EN")
    calendar.add("version", "2.0")
    stamp = utcnow()
    with force_locale(recipient_locale(user)):
        calendar["x-wr-calname"] = str(_l("Agora deadlines"))
        for challenge in challenges_in_feed(user):
            for kind, moment, summary in (
                    ("question-deadline", challenge.question_deadline,
                     _l("Questions close: %(title)s", title=challenge.title)),
                    ("pitch-deadline", challenge.pitch_deadline,
                     _l("Pitch deadline: %(title)s", title=challenge.title))):
                if moment is None:
                    continue
                event = Event()
                event.add("uid", f"{kind}-{challenge.id}@agora")
                event.add("dtstamp", stamp)
                event.add("dtstart", moment)
                event.add("dtend", moment)
                event.add("summary", str(summary))
                event.add("url", links.absolute(links.challenge_path(challenge)))
                event.add("description", challenge.summary or "")
                calendar.add_component(event)
    return calendar.to_ical()
