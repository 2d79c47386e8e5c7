"""Beat: the time-based work, by task name. Each task is safe to run twice or late."""
from celery.schedules import crontab

BEAT_SCHEDULE = {
    "redispatch-stuck-outbox-events": {"task": "outbox.redispatch_stuck", "schedule": 60.0},
    "close-challenges-at-their-deadline": {"task": "challenges.close_due", "schedule": 60.0},
    "remind-48-hours-before-the-deadline": {"task": "challenges.deadline_reminders", "schedule": 15 * 60.0},
    "daily-digests": {"task": "notifications.daily_digests", "schedule": crontab(hour=6, minute=30)},
    "move-ended-pilots-to-evaluation": {"task": "pilots.advance_ended", "schedule": 60 * 60.0},
    "remind-and-escalate-pilot-stages": {"task": "pilots.remind_due_stages", "schedule": crontab(hour=7, minute=0)},
    # Daily, and at least daily: the published anchors are what shows a cut or rewritten audit trail.
    "anchor-the-audit-trail": {"task": "audit.anchor", "schedule": crontab(hour=0, minute=15)},
    # The statistics' figures stored after each change of the public data, by the worker rather than by a page.
    "keep-the-statistics": {"task": "statistics.keep", "schedule": 60.0},
    "write-the-open-data-bulk-files": {"task": "open_data.bulk_files", "schedule": crontab(hour=1, minute=30)},
    "remind-pitch-sessions-the-day-before": {"task": "pitch_sessions.remind_tomorrow", "schedule": 60 * 60.0},
}
