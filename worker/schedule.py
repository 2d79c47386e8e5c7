"""Beat: the time-based work, by task name."""
BEAT_SCHEDULE = {
    "redispatch-stuck-outbox-events": {"task": "outbox.redispatch_stuck", "schedule": 60.0},
}
