"""Imports every service module that registers outbox handlers (@handles), so the worker and tests see them all."""
from . import accounts, mail, matching, pilot_reminders  # noqa: F401
