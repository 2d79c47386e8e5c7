"""Flask's Celery pattern: a Celery app whose tasks run inside the Flask app context."""
from celery import Celery, Task

from .schedule import BEAT_SCHEDULE


def celery_init_app(app):
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object(app.config["CELERY"])
    celery.conf.beat_schedule = BEAT_SCHEDULE
    celery.set_default()
    app.extensions["celery"] = celery

    from . import outbox_dispatch, tasks  # noqa: F401  (registers the shared tasks and the hook)

    outbox_dispatch.install(app)
    return celery
