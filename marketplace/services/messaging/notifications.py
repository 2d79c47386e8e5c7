"""In-app notifications, and the email that goes with each according to the person's preference.

`notify` (one person) and `notify_all` (a fan-out: everyone a challenge
matches) are called by outbox handlers; the dedupe key (event and recipient)
makes a handler that runs twice notify once.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import with_expression

from marketplace.extensions import db
from marketplace.formatting import force_timezone
from marketplace.models import Notification, User
from marketplace.services.bulk import cycle_collector_paused, insert_new
from marketplace.services.clock import utcnow
from marketplace.services.errors import NotFound
from marketplace.services.messaging import links
from marketplace.services.messaging.notice_text import message_of, said_again
from marketplace.services.messaging.mail import (OutgoingEmail, queue_email, queue_emails, recipient_locale,
                                                 unsubscribe_token, user_from_unsubscribe_token)

IMMEDIATE, DAILY, OFF = "immediate", "daily", "off"
PREFERENCES = (IMMEDIATE, DAILY, OFF)
# Notices that are never emailed on their own, only listed in the next daily digest (unless emails are off).
DIGEST_ONLY_KINDS = ("search.daily",)
PER_PAGE = 25


def emails_off(user):
    """Whether this person asked for no emails at all: their notices (saved-search alerts too) reach only their
    notifications on Agora."""
    return user.notification_preference == OFF


@dataclass
class Notice:
    """One notice for one person. `title` and `body` may be lazy strings: they are rendered in the person's language."""

    user: User
    kind: str
    title: object
    dedupe_key: str
    body: object = ""
    link: str | None = None
    email_template: str | None = None
    email_context: dict | None = None


def notify(user, *, kind, title, body="", link=None, dedupe_key, email_template=None, email_context=None):
    """Put a notice in the user's inbox, once per dedupe key, and email it if they want it now.

    Returns the new Notification, or None if this key was already notified. The caller commits.
    """
    if not notify_all([Notice(user, kind, title, dedupe_key, body=body, link=link, email_template=email_template,
                              email_context=email_context)]):
        return None
    return db.session.scalar(select(Notification).where(Notification.dedupe_key == dedupe_key))


def notify_all(notices):
    """Put each notice in its person's inbox once per dedupe key, and queue the emails wanted now.

    A few INSERTs for any number of people (each skipping keys already there,
    so a concurrent or repeated run of the same handler adds nothing). Suspended
    people get nothing. Returns the notices that were new. The caller commits.
    """
    with cycle_collector_paused():
        return _notify_all(notices)


def _notify_all(notices):
    wanted = {n.dedupe_key: n for n in notices if n.user is not None and not n.user.is_suspended}
    now, rows, kept = utcnow(), {}, {}

    def message(text):  # a fan-out shares its title and body between thousands of notices: read each once
        if id(text) not in kept:
            kept[id(text)] = message_of(text)
        return kept[id(text)]

    for key, notice in wanted.items():
        # Written in the person's language and zone (a time in it, as the email that goes with it says times).
        with force_locale(recipient_locale(notice.user)), force_timezone(getattr(notice.user, "timezone", None)):
            title, body = str(notice.title)[:300], str(notice.body or "")
        rows[key] = {"user_id": notice.user.id, "dedupe_key": key, "kind": notice.kind, "title": title, "body": body,
                     "title_message": message(notice.title), "body_message": message(notice.body),
                     "link": notice.link, "created_at": now}
    table = Notification.__table__
    new = [wanted[key] for key in insert_new(table, list(rows.values()), table.c.dedupe_key)]
    queue_emails([
        OutgoingEmail(n.email_template, f"email:{n.dedupe_key}", user=n.user,
                      context={"title": rows[n.dedupe_key]["title"], "body": rows[n.dedupe_key]["body"],
                               "link": links.absolute(n.link) if n.link else None,
                               "unsubscribe_url": stop_emails_url(n.user), **(n.email_context or {})})
        for n in new if n.email_template and n.user.notification_preference == IMMEDIATE
    ])
    return new


def with_unread_count():
    """A loader option that reads a person's unread notifications with the person (one statement, not two)."""
    return with_expression(User.unread_notifications, select(func.count(Notification.id)).where(
        Notification.user_id == User.id, Notification.read_at.is_(None)).correlate(User).scalar_subquery())


def unread_count(user):
    """How many notifications the person has not read: as read with them, else counted now."""
    if getattr(user, "unread_notifications", None) is not None:
        return user.unread_notifications
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


@dataclass(frozen=True)
class ShownNotice:
    """A notice as its reader sees it: its words in the language active now (the reader's), when it keeps the
    message they came from; else as they were stored."""

    id: int
    title: str
    body: str
    link: str | None
    created_at: object
    read_at: object

    @classmethod
    def of(cls, notification):
        return cls(notification.id, said_again(notification.title_message, notification.title),
                   said_again(notification.body_message, notification.body), notification.link,
                   notification.created_at, notification.read_at)


def inbox(user, page=1):
    """A page of the person's notices, newest first, as ShownNotice, and how many there are."""
    page = max(1, page)
    query = select(Notification).where(Notification.user_id == user.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                               .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return [ShownNotice.of(n) for n in items], total


def mark_read(user, notification_id):
    """Mark one of the user's own notifications read; anyone else's is 'not found'."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(str(_l("We could not find that notification.")))
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def mark_all_read(user):
    result = db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                           Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return result.rowcount


def stop_emails_url(user):
    """The signed link in the footer of the emails a person's preference asks for (notices, digests), which turns
    them off. Emails about their account or work (password, sign-in, receipts, sessions…) never carry it: no
    preference stops those."""
    return links.unsubscribe_url(unsubscribe_token(user))


def unsubscribe(token):
    """Turn emails off for the person a signed link belongs to; None if the link is not genuine."""
    user = user_from_unsubscribe_token(token)
    if user is None:
        return None
    user.notification_preference = OFF
    db.session.commit()
    return user


def _in_digest():
    """The SQL condition of the notices a person's digest lists (with Notification joined to its User).

    Everything, for those who chose the daily digest; for those emailed at once, only the notices that wait for
    the digest by their nature (DIGEST_ONLY_KINDS: saved searches alerting daily); nothing for those who chose no
    email."""
    return or_(User.notification_preference == DAILY,
               and_(User.notification_preference == IMMEDIATE, Notification.kind.in_(DIGEST_ONLY_KINDS)))


def send_daily_digests(now=None):
    """One email a day to each person with notices for their digest, with what arrived since yesterday."""
    now = now or utcnow()
    since = now - timedelta(days=1)
    waiting = (select(Notification).join(User, User.id == Notification.user_id)
               .where(Notification.created_at >= since, Notification.read_at.is_(None), _in_digest()))
    users = db.session.scalars(
        select(User).where(User.is_suspended.is_(False),
                           User.id.in_(waiting.with_only_columns(Notification.user_id)))
    ).all()
    for user in users:
        items = db.session.scalars(waiting.where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at, Notification.id)).all()
        # The notices said again in the language (and times in the zone) of the digest.
        with force_locale(recipient_locale(user)), force_timezone(user.timezone):
            shown = [ShownNotice.of(n) for n in items]
        queue_email("digest", dedupe_key=f"digest:{user.id}:{now.date().isoformat()}", user=user,
                    context={"items": [{"title": n.title, "body": n.body, "link": n.link} for n in shown],
                             "unsubscribe_url": stop_emails_url(user)})
    db.session.commit()
    return len(users)
