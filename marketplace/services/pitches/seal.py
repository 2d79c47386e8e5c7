"""The seal: the one rule for when a challenge's pitches stop being the companies' alone.

A challenge's pitches are sealed until its pitch deadline; at that moment the
seal breaks (for the agency, under the evaluation's rules, and for open data)
and pitches can no longer be submitted, changed or withdrawn. Every page, API
operation, export and OCDS release asks here, and by default on the database
clock (`clock.database_now`): one clock for every web and worker process.
"""
from sqlalchemy import and_

from marketplace.models import Challenge
from marketplace.services.clock import database_now


def seal_broken_at(challenge):
    """When the challenge's pitches unseal: its pitch deadline (None: not set, so sealed)."""
    return challenge.pitch_deadline


def is_sealed(challenge, now=None):
    """True until the pitch deadline has been reached; `now` defaults to the database clock."""
    broken_at = seal_broken_at(challenge)
    if broken_at is None:
        return True
    return (database_now() if now is None else now) < broken_at


def unsealed_clause(now):
    """The same rule as SQL, for queries over many challenges (statistics): unsealed at `now`."""
    return and_(Challenge.pitch_deadline.is_not(None), Challenge.pitch_deadline <= now)
