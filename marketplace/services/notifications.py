"""In-app notifications, and the email that goes with each according to the person's preference.

`notify` is called by outbox handlers; its dedupe key (event and recipient)
makes a handler that runs twice notify once.
"""
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Notification, User
from .clock import utcnow
from .errors import NotFound
from .mail import queue_email, recipient_locale, user_from_unsubscribe_token

IMMEDIATE, DAILY, OFF = "immediate", "daily", "off"
PREFERENCES = (IMMEDIATE, DAILY, OFF)
PER_PAGE = 25


def notify(user, *, kind, title, body="", link=None, dedupe_key, email_template=None, email_context=None):
    """Put a notice in the user's inbox, once per dedupe key, and email it if they want it now.

    Returns the new Notification, or None if this key was already notified.
    `title` and `body` may be lazy strings: they are rendered in the user's language.
    The caller commits.
    """
    if user is None or user.is_suspended:
        return None
    if db.session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)) is not None:
        return None
    with force_locale(recipient_locale(user)):
        title_text, body_text = str(title)[:300], str(body or "")
    notification = Notification(user_id=user.id, dedupe_key=dedupe_key, kind=kind, title=title_text,
                                body=body_text, link=link)
    try:
        with db.session.begin_nested():
            db.session.add(notification)
            db.session.flush()
    except IntegrityError:
        return None  # a concurrent run of the same handler got there first
    if email_template and user.notification_preference == IMMEDIATE:
        queue_email(email_template, dedupe_key=f"email:{dedupe_key}", user=user,
                    context={"title": title_text, "body": body_text,
                             "link": (current_app.config["BASE_URL"].rstrip("/") + link) if link else None,
                             **(email_context or {})})
    return notification


def unread_count(user):
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def inbox(user, page=1):
    page = max(1, page)
    query = select(Notification).where(Notification.user_id == user.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                               .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return items, total


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


def unsubscribe(token):
    """Turn emails off for the person a signed link belongs to; None if the link is not genuine."""
    user = user_from_unsubscribe_token(token)
    if user is None:
        return None
    user.notification_preference = OFF
    db.session.commit()
    return user


def send_daily_digests(now=None):
    """One email a day to each person who chose the daily digest, with what arrived since yesterday."""
    now = now or utcnow()
    since = now - timedelta(days=1)
    users = db.session.scalars(
        select(User).where(User.notification_preference == DAILY, User.is_suspended.is_(False),
                           User.id.in_(select(Notification.user_id).where(Notification.created_at >= since,
                                                                          Notification.read_at.is_(None))))
    ).all()
    for user in users:
        items = db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.created_at >= since,
                                       Notification.read_at.is_(None)).order_by(Notification.created_at)
        ).all()
        queue_email("digest", dedupe_key=f"digest:{user.id}:{now.date().isoformat()}", user=user,
                    context={"items": [{"title": n.title, "body": n.body, "link": n.link} for n in items]})
    db.session.commit()
    return len(users)
