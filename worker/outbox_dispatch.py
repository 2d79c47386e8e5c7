"""Notify after commit: once a transaction that wrote outbox events or queued emails commits, queue the work.

One `outbox.process_event` task per event, one `mail.send_due` task per
batch of emails (services/mail.py). If the broker is unreachable nothing is
lost: the events and deliveries stay in the database and beat's
`outbox.redispatch_stuck` picks them up.
"""
import logging

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from marketplace.models import OutboxEvent
from marketplace.observability import request_id_var
from marketplace.services.messaging.mail import QUEUED_IN_TRANSACTION, send_batches

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
    emails = session.info.pop(QUEUED_IN_TRANSACTION, 0)
    if not ids and not emails:
        return
    app = current_app._get_current_object()
    if not app.config.get("OUTBOX_DISPATCH_AFTER_COMMIT", True):
        return
    celery = app.extensions["celery"]
    headers = {"request_id": request_id_var.get()}  # the same id in the task's log lines
    try:
        for event_id in ids or ():
            celery.send_task("outbox.process_event", args=[event_id], headers=headers)
        for _ in range(send_batches(emails)):
            celery.send_task("mail.send_due", headers=headers)
    except Exception:  # broker down: the outbox and the deliveries wait for beat
        log.warning("could not queue the work of a commit (%s events, %s emails); beat will retry",
                    len(ids or ()), emails, exc_info=True)


def _forget_rolled_back(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(_KEY, None)
        session.info.pop(QUEUED_IN_TRANSACTION, None)
