"""Redis killed and started again three times while a fan-out is being sent: every email arrives once.

The worker runs as in production (prefork, two processes) under worker/supervise.py.
One process sends the batch while the other waits on Redis, so the worker notices
each loss at once, with the batch's task unacknowledged. Before
worker/redis_transport.py, the second restart ended the worker with `Unrecoverable
error: AttributeError("'NoneType' object has no attribute 'hostname'")`. The private
Redis keeps nothing on disk, so a kill also loses what was queued there: beat's sweep
(sent here at the end, as beat does every minute) queues what is left again.
"""
import time

import pytest
from flask import current_app
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import EmailDelivery
from marketplace.services.messaging import mail
from .conftest import Worker, wait_for

pytestmark = pytest.mark.worker

FAN_OUT = 100  # one batch


def _sent():
    return db.session.scalar(select(func.count()).select_from(EmailDelivery).where(EmailDelivery.status == "sent"))


def test_three_redis_restarts_during_a_fan_out(database_url, private_redis, dispatching, smtp_sink, tmp_path):
    worker = Worker(database_url, private_redis.url, smtp_sink.port, tmp_path, pool="prefork", supervised=True)
    worker.start()
    try:
        smtp_sink.delay = 0.1  # a slow server: the batch takes about ten seconds
        addresses = [f"person{n}@example.org" for n in range(FAN_OUT)]
        mail.queue_emails([mail.OutgoingEmail("notification", f"restarts:{address}", address=address,
                                              context={"title": "Notice", "body": "Body"}) for address in addresses])
        db.session.commit()  # the send task is queued in Redis
        wait_for(lambda: _sent() > 0, timeout=30, message=lambda: f"the first email:\n{worker.output()[-4000:]}")
        for restart in range(1, 4):
            assert _sent() < FAN_OUT, f"the fan-out ended before restart {restart}"
            connections = worker.output().count("Connected to ")
            private_redis.stop()
            time.sleep(0.3)
            private_redis.start()  # the same port, empty
            wait_for(lambda: worker.output().count("Connected to ") > connections, timeout=15,
                     message=lambda: f"the worker back on Redis after restart {restart}:\n{worker.output()[-6000:]}")
        current_app.extensions["celery"].send_task("outbox.redispatch_stuck")
        wait_for(lambda: _sent() == FAN_OUT, timeout=45,
                 message=lambda: f"{_sent()} of {FAN_OUT} sent; the worker said:\n{worker.output()[-6000:]}")
        output = worker.output()
        assert worker.process.poll() is None  # the supervisor is still there
    finally:
        worker.stop()
    assert output.count("Connection to broker lost") == 3
    assert "Unrecoverable error" not in output
    # One celery main process all along: the supervisor never had to start another.
    assert output.count(" ready.") == 1 and "starting it again" not in output
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted(addresses)
    assert len(set(smtp_sink.message_ids())) == FAN_OUT
