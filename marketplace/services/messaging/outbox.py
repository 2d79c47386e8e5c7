"""Processing outbox events: run the handler for the event's topic, once.

Handlers live with their domain (services/*) and are marked with @handles(topic); the app factory
registers them (`messaging.handlers.install`), not the import of their module.
They must be idempotent: an event may be processed again after a crash between
the handler's work and the moment the event is marked done.
"""
import logging
import random
from datetime import timedelta

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import OutboxEvent
from marketplace.services.clock import utcnow

log = logging.getLogger(__name__)
HANDLERS = {}
STUCK_AFTER = timedelta(minutes=2)


class HandlerFailed(Exception):
    pass


def handles(*topics):
    """Mark `func` as the handler of `topics`; `register` (from the app factory) puts it to work."""
    def mark(func):
        func.outbox_topics = getattr(func, "outbox_topics", ()) + topics
        return func

    return mark


def register(func):
    """Run `func` for each event of the topics it was marked with; registering twice registers once."""
    for topic in func.outbox_topics:
        handlers = HANDLERS.setdefault(topic, [])
        if func not in handlers:
            handlers.append(func)


def process_event(event_id):
    """Run the handlers of one event and mark it processed; a no-op if already done."""
    query = select(OutboxEvent).where(OutboxEvent.id == event_id)
    if db.session.get_bind().dialect.name == "postgresql":
        # Two workers given the same event: the second waits, then sees it done.
        query = query.with_for_update()
    event = db.session.scalars(query).first()
    if event is None or event.processed_at is not None:
        db.session.rollback()
        return False
    try:
        for handler in HANDLERS.get(event.topic, ()):
            handler(event)
    except Exception as exc:
        db.session.rollback()
        _note_failure(event_id, exc)
        raise HandlerFailed(f"{event.topic} #{event_id}: {exc}") from exc
    event.processed_at = utcnow()
    event.attempts += 1
    db.session.commit()
    return True


def _note_failure(event_id, exc):
    event = db.session.get(OutboxEvent, event_id)
    if event is not None:
        event.attempts += 1
        event.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        db.session.commit()
    log.warning("outbox event %s failed: %s", event_id, exc)


def stuck_cutoff():
    """Work waiting since before this time was left behind (broker down, worker killed): beat dispatches it again."""
    from flask import current_app

    return utcnow() - timedelta(seconds=current_app.config.get("OUTBOX_STUCK_AFTER_SECONDS",
                                                               STUCK_AFTER.total_seconds()))


def stuck_event_ids(limit=500):
    return list(
        db.session.scalars(
            select(OutboxEvent.id)
            .where(OutboxEvent.processed_at.is_(None), OutboxEvent.created_at < stuck_cutoff())
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
    )


def process_pending(limit=1000):
    """Process unprocessed events in order, including those their handlers add, then send the emails due.

    What the worker does, in this process (the CLI and tests use this). Returns the number of events.
    """
    from marketplace.services.messaging.mail import send_due  # mail builds on this module; the emails are its own outbox
    done, seen = 0, set()
    while done < limit:
        ids = [event_id for event_id in db.session.scalars(
            select(OutboxEvent.id).where(OutboxEvent.processed_at.is_(None)).order_by(OutboxEvent.id).limit(limit)
        ) if event_id not in seen]
        if not ids:
            break
        for event_id in ids:
            seen.add(event_id)  # an event that fails stays pending, but is not retried in this call
            process_event(event_id)
            done += 1
    send_due(limit=limit)
    return done


def backoff_seconds(retries, base=2, cap=600):
    return min(cap, base ** (retries + 1)) * random.uniform(0.5, 1.0)
