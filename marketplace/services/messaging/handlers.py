"""Every outbox handler (@handles), registered by the app factory (`create_app`) in every process: web, worker, tests."""
from types import FunctionType

from marketplace.services.messaging import outbox


def install():
    """Register the handlers marked with @handles in the modules below (idempotent)."""
    from marketplace.services.accounts import accounts, two_factor
    from marketplace.services.challenges import amendments, challenges, deadlines, questions, saved_searches
    from marketplace.services.evaluation import evaluation, pitch_sessions
    from marketplace.services.matching import for_you, matching
    from marketplace.services.pilots import pilot_reminders
    from marketplace.services.pitches import receipts

    for module in (accounts, two_factor, amendments, challenges, deadlines, questions, saved_searches, evaluation,
                   pitch_sessions, matching, for_you, pilot_reminders, receipts):
        for value in list(vars(module).values()):  # in the order they are written
            if isinstance(value, FunctionType) and value.__module__ == module.__name__ and hasattr(value, "outbox_topics"):
                outbox.register(value)
