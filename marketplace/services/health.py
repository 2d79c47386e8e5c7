"""Is the service healthy? The database answers a query and the broker accepts a connection.

The rate limits' storage is reported too, but does not make the service unhealthy: while it is unreachable each
web process counts sign-in, reset and API attempts in its own memory (Flask-Limiter's in-memory fallback), so
people can still sign in.
"""
from kombu import Connection
from limits.storage import MemoryStorage
from sqlalchemy import text

from marketplace.extensions import db


def database_state():
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # any failure means "not healthy"; say which kind
        db.session.rollback()
        return f"error: {exc.__class__.__name__}"


def broker_state(url, timeout=2):
    try:
        with Connection(url, connect_timeout=timeout, transport_options={"max_retries": 0}) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


def rate_limit_state(limiter):
    """"ok": limits are counted in the shared storage (Redis), as configured; "memory": each process counts alone,
    as configured (no REDIS_URL); "fallback": the shared storage does not answer, so each process counts alone
    until it does again."""
    storage = limiter.storage
    if isinstance(storage, MemoryStorage):
        return "memory"
    # Flask-Limiter switches back at its next limited request after the storage answers again (within ~30 s).
    if getattr(limiter, "_storage_dead", False) or not storage.check():
        return "fallback"
    return "ok"


def health(broker_url, limiter=None):
    """(healthy, states): healthy when the database and the broker answer; the rate limits' state is only told."""
    states = {"database": database_state(), "broker": broker_state(broker_url)}
    healthy = all(state == "ok" for state in states.values())
    if limiter is not None:
        states["rate_limits"] = rate_limit_state(limiter)
    return healthy, states
