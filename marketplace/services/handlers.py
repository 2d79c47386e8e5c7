"""Imports every service module that registers outbox handlers (@handles), so the worker and tests see them all."""
from . import accounts, deadlines, mail, matching, pilot_reminders, questions  # noqa: F401
