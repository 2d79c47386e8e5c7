"""The worker's entry point, the one place that builds the app at import.

    celery -A worker.app worker --loglevel=info
    celery -A worker.app beat
"""
from celery.signals import worker_process_init

from marketplace import create_app
from marketplace.extensions import db
from marketplace.services import handlers  # noqa: F401  (registers every outbox handler)

flask_app = create_app()
celery = flask_app.extensions["celery"]


@worker_process_init.connect
def _fresh_connections_after_fork(**kwargs):
    # A forked pool process must not share the parent's database connections.
    with flask_app.app_context():
        db.engine.dispose(close=False)
