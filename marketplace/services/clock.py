"""Time: the database clock for receipts and deadlines, Python's for everything else."""
from datetime import datetime, timezone

from sqlalchemy import func, select

from marketplace.extensions import db


def utcnow():
    return datetime.now(timezone.utc)


def database_now():
    """Now, by the database's clock: one clock for every web and worker process.

    A `select()`, not raw SQL text: the session then knows it only reads (models/challenge.py keeps what it read
    until a statement writes)."""
    if db.session.get_bind().dialect.name == "sqlite":
        value = db.session.execute(select(func.strftime("%Y-%m-%d %H:%M:%f", "now"))).scalar_one()
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)
    value = db.session.execute(_CLOCK).scalar_one()
    return value.astimezone(timezone.utc)


_CLOCK = select(func.clock_timestamp())  # built once: a visitor's challenge page asks it at every view
