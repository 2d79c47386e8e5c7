"""Is the service healthy? The database answers a query and the broker accepts a connection."""
from kombu import Connection
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


def health(broker_url):
    states = {"database": database_state(), "broker": broker_state(broker_url)}
    return all(state == "ok" for state in states.values()), states
