"""Notify after commit: once a transaction that wrote outbox events commits, queue their processing.

If the broker is unreachable nothing is lost: the events stay in the outbox
and beat's `outbox.redispatch_stuck` picks them up.
"""
import logging

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from marketplace.models import OutboxEvent
from marketplace.observability import request_id_var

log = logging.getLogger(__name__)
_KEY = "agora_new_outbox_events"
_installed = False


def install(app):
    """Listen on every SQLAlchemy session once per process; each app's own settings apply."""
    global _installed
    if _installed:
        return
    _installed = True
    sa_event.listen(Session, "after_flush", _remember_new_events)
    sa_event.listen(Session, "after_commit", _dispatch_after_commit)
    sa_event.listen(Session, "after_soft_rollback", _forget_rolled_back)


def _remember_new_events(session, flush_context):
    ids = [obj.id for obj in session.new if isinstance(obj, OutboxEvent)]
    if ids:
        session.info.setdefault(_KEY, []).extend(ids)


def _dispatch_after_commit(session):
    ids = session.info.pop(_KEY, None)
    if not ids:
        return
    app = current_app._get_current_object()
    if not app.config.get("OUTBOX_DISPATCH_AFTER_COMMIT", True):
        return
    celery = app.extensions["celery"]
    headers = {"request_id": request_id_var.get()}  # the same id in the task's log lines
    for event_id in ids:
        try:
            celery.send_task("outbox.process_event", args=[event_id], headers=headers)
        except Exception:  # broker down: the outbox keeps the event for beat
            log.warning("could not queue outbox event %s; beat will retry", event_id, exc_info=True)
            break


def _forget_rolled_back(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(_KEY, None)
