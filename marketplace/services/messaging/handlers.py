"""Imports every service module that registers outbox handlers (@handles), so the worker and tests see them all."""
from marketplace.services.accounts import accounts
from marketplace.services.challenges import deadlines, questions
from marketplace.services.evaluation import evaluation, pitch_sessions
from marketplace.services.matching import matching
from marketplace.services.pilots import pilot_reminders