"""The worker's entry point, the one place that builds the app at import.

    celery -A worker.app worker --loglevel=info
    celery -A worker.app beat
"""
from celery.signals import after_setup_logger, task_failure, task_postrun, task_prerun, worker_process_init

from marketplace import create_app
from marketplace.extensions import db
from marketplace.observability import TASK_RUNS, JSONFormatter, request_id_var

flask_app = create_app()
celery = flask_app.extensions["celery"]


@worker_process_init.connect
def _fresh_connections_after_fork(**kwargs):
    # A forked pool process must not share the parent's database connections.
    with flask_app.app_context():
        db.engine.dispose(close=False)


@task_prerun.connect
def _carry_request_id(task=None, **kwargs):
    request_id_var.set(getattr(task.request, "request_id", None) or task.request.id)


@task_postrun.connect
def _count_run(task=None, state=None, **kwargs):
    TASK_RUNS.labels(task.name, state or "unknown").inc()


@task_failure.connect
def _count_failure(sender=None, **kwargs):
    TASK_RUNS.labels(sender.name, "FAILURE").inc()


@after_setup_logger.connect
def _json_logs(logger=None, **kwargs):
    if flask_app.config.get("JSON_LOGS"):
        for handler in logger.handlers:
            handler.setFormatter(JSONFormatter())
