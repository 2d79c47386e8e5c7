"""Thin tasks: take ids, call one service."""
from celery import shared_task

from marketplace.services import outbox


@shared_task(name="outbox.process_event", bind=True, max_retries=8)
def process_event(self, event_id):
    try:
        outbox.process_event(event_id)
    except outbox.HandlerFailed as exc:
        # Exponential backoff with jitter: 2, 4, 8 … seconds, capped at ten minutes.
        raise self.retry(exc=exc, countdown=outbox.backoff_seconds(self.request.retries)) from exc


@shared_task(name="outbox.redispatch_stuck")
def redispatch_stuck():
    for event_id in outbox.stuck_event_ids():
        process_event.delay(event_id)
