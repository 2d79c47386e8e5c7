"""Imports every service module that registers outbox handlers (@handles), so the worker and tests see them all."""
from . import (  # noqa: F401
    accounts, deadlines, evaluation, matching, pilot_reminders, pitch_sessions, questions,
)
