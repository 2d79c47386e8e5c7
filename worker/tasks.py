"""Thin tasks: take ids, call one service."""
from celery import shared_task

from marketplace.services import audit
from marketplace.services.challenges import deadlines
from marketplace.services.messaging import mail, notifications, outbox
from marketplace.services.pilots import pilot_reminders
from marketplace.services.evaluation import pitch_sessions
from marketplace.services.open_data import bulk_files, statistics
@shared_task(name="outbox.process_event", bind=True, max_retries=8)
def process_event(self, event_id):
    try:
        outbox.process_event(event_id)
    except outbox.HandlerFailed as exc:
        # Exponential backoff with jitter: 2, 4, 8 … seconds, capped at ten minutes.
        raise self.retry(exc=exc, countdown=outbox.backoff_seconds(self.request.retries)) from exc


@shared_task(name="mail.send_due")
def send_due_emails():
    """A batch of due emails over the kept connection. A failed one waits for its own next attempt, which beat's
    sweep asks for when it is due: no run schedules another, so an outage cannot multiply them."""
    return mail.send_due().sent


@shared_task(name="outbox.redispatch_stuck")
def redispatch_stuck():
    """Beat, every minute: queue again what a broker outage or a dead worker left behind, and the due retries."""
    for event_id in outbox.stuck_event_ids():
        process_event.delay(event_id)
    for _ in range(mail.stuck_send_batches()):
        send_due_emails.delay()


@shared_task(name="challenges.close_due")
def close_due_challenges():
    return deadlines.close_due_challenges()


@shared_task(name="challenges.deadline_reminders")
def send_deadline_reminders():
    return deadlines.send_deadline_reminders()


@shared_task(name="notifications.daily_digests")
def send_daily_digests():
    return notifications.send_daily_digests()


@shared_task(name="pilots.advance_ended")
def advance_ended_pilots():
    return pilot_reminders.advance_ended_pilots()


@shared_task(name="pilots.remind_due_stages")
def remind_due_stages():
    return pilot_reminders.remind_due_stages()


@shared_task(name="pitch_sessions.remind_tomorrow")
def remind_tomorrows_sessions():
    return pitch_sessions.remind_tomorrows_sessions()


@shared_task(name="audit.anchor")
def anchor_audit_trail():
    """Beat, daily: record the audit chain's head (published, and logged)."""
    return audit.record_anchor().id


@shared_task(name="statistics.keep")
def keep_statistics():
    """Beat, every minute: the figures of /stats stored for the current public data (web pages then read them)."""
    return statistics.keep_stored()


@shared_task(name="open_data.bulk_files")
def write_bulk_files():
    """Beat, daily: the bulk files of all OCDS releases and records; nothing when another run is writing them."""
    try:
        return [f.name for f in bulk_files.generate()]
    except bulk_files.BulkFilesBusy:
        return []
