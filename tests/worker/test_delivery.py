"""The background half, with a real worker process, a real Redis and a real SMTP server.

Fault tests: the broker stopped while a challenge is published, the worker
killed in the middle of sending, the SMTP server refusing. In each case every
message arrives, and arrives once.
"""
import threading
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import EmailDelivery, Notification
from marketplace.services.challenges import challenges
from marketplace.services.clock import utcnow
from marketplace.services.messaging import notifications
from .conftest import Worker, wait_for

pytestmark = pytest.mark.worker


def _notify(user, key):
    notifications.notify(user, kind="test", title=f"Notice {key}", body="Body", link="/challenges",
                         dedupe_key=key, email_template="notification")
    db.session.commit()  # dispatched to the worker right after this commit


def _sent():
    return db.session.scalars(select(EmailDelivery).where(EmailDelivery.status == "sent")).all()


def test_an_email_is_dispatched_after_commit_and_sent_once(worker, smtp_sink, f):
    user = f.member(f.Company(), "owner")
    _notify(user, "after-commit")
    wait_for(lambda: len(smtp_sink.messages) == 1, message="the email")
    wait_for(lambda: len(_sent()) == 1, message="the delivery marked sent")
    # Run the sending task twice more, as a redelivered task or beat would: nothing is sent again.
    celery = current_app.extensions["celery"]
    celery.send_task("mail.send_due")
    celery.send_task("outbox.redispatch_stuck")
    wait_for(lambda: "outbox.redispatch_stuck" in worker.output() and worker.output().count("succeeded") >= 3,
             message="the repeated tasks")
    assert len(smtp_sink.messages) == 1


def _matching_company(f, members=2):
    company = f.Company(capability_statement="We build sensors that detect leaking water pipes.",
                        keywords="water, leaks, sensors, pipes")
    f.set_sectors(company, ["65", "38"])
    return company, [f.member(company, "owner" if i == 0 else "member") for i in range(members)]


def _publishable_draft(f):
    agency = f.Agency()
    publisher = f.member(agency, "publisher")
    draft = f.Challenge(agency=agency, status="draft", published_at=None, title="Detect leaking water pipes",
                        summary="Leaking pipes waste water.", problem_statement="Old water pipes leak; sensors?")
    f.set_sectors(draft, ["65"])
    return draft, publisher


def test_redis_stopped_while_a_challenge_is_published_then_started(worker, private_redis, smtp_sink, f):
    company, people = _matching_company(f)
    draft, publisher = _publishable_draft(f)
    private_redis.stop()
    challenges.publish_challenge(publisher, draft.slug)  # the page answers; the dispatch fails quietly
    assert draft.status == "published"
    private_redis.start()  # same port: the worker reconnects
    current_app.extensions["celery"].send_task("outbox.redispatch_stuck")  # what beat does every minute
    wait_for(lambda: len(smtp_sink.messages) == len(people), timeout=60,
             message=lambda: f"one email per member; worker said:\n{worker.output()[-6000:]}")
    addresses = sorted(m["To"] for m in smtp_sink.messages)
    assert addresses == sorted(p.email for p in people)
    assert db.session.query(Notification).count() == len(people)
    # Beat again, later: still one each.
    current_app.extensions["celery"].send_task("outbox.redispatch_stuck")
    wait_for(lambda: worker.output().count("outbox.redispatch_stuck") >= 4, message="the second redispatch")
    assert len(smtp_sink.messages) == len(people)
    assert len(set(smtp_sink.message_ids())) == len(people)


def test_worker_killed_in_the_middle_of_sending(worker, smtp_sink, f):
    """The SMTP server holds the first transaction open; the worker is SIGKILLed while it waits."""
    user = f.member(f.Company(), "owner")
    entered, release = threading.Event(), threading.Event()
    smtp_sink.hold_next(entered, release)
    _notify(user, "killed")
    assert entered.wait(30), "the worker never started sending"
    worker.kill()
    release.set()
    assert smtp_sink.messages == []
    delivery = db.session.scalars(select(EmailDelivery)).one()
    assert delivery.status == "queued"
    worker.start()
    current_app.extensions["celery"].send_task("outbox.redispatch_stuck")
    wait_for(lambda: len(smtp_sink.messages) == 1, timeout=60, message="the email after the restart")
    wait_for(lambda: len(_sent()) == 1, message="the delivery marked sent")
    current_app.extensions["celery"].send_task("outbox.redispatch_stuck")
    wait_for(lambda: worker.output().count("outbox.redispatch_stuck") >= 4, message="another redispatch")
    assert len(smtp_sink.messages) == 1


def test_worker_killed_in_the_middle_of_a_batch(worker, smtp_sink, f):
    """Five emails queued in one transaction go out in one batch; the third is in flight when the worker dies."""
    people = [f.member(f.Company(), "owner") for _ in range(5)]
    entered, release = threading.Event(), threading.Event()
    smtp_sink.hold_next(entered, release, after=2)
    for n, person in enumerate(people):
        notifications.notify(person, kind="test", title=f"Notice {n}", body="Body", link="/challenges",
                             dedupe_key=f"batch:{n}", email_template="notification")
    db.session.commit()  # one commit, one batch task
    assert entered.wait(30), "the worker never reached the third email"
    worker.kill()
    release.set()
    assert [m["To"] for m in smtp_sink.messages] == [p.email for p in people[:2]]
    assert [d.status for d in db.session.scalars(select(EmailDelivery).order_by(EmailDelivery.id))] == [
        "sent", "sent", "queued", "queued", "queued"]
    worker.start()
    current_app.extensions["celery"].send_task("outbox.redispatch_stuck")
    wait_for(lambda: len(_sent()) == 5, timeout=60, message="every delivery marked sent after the restart")
    current_app.extensions["celery"].send_task("outbox.redispatch_stuck")
    wait_for(lambda: worker.output().count("outbox.redispatch_stuck") >= 4, message="another redispatch")
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted(p.email for p in people)
    assert len(set(smtp_sink.message_ids())) == 5
    assert {d.attempts for d in _sent()} == {1}


def test_two_workers_share_a_fan_out_and_send_each_email_once(worker, database_url, private_redis, smtp_sink,
                                                              tmp_path, f):
    """200 emails in one commit make two send tasks of 100; two workers run them at once, leaving none for beat."""
    second = Worker(database_url, private_redis.url, smtp_sink.port, tmp_path, name="second")
    second.start()
    try:
        company = f.Company()
        people = [f.member(company, "owner" if n == 0 else "member") for n in range(200)]
        notifications.notify_all([
            notifications.Notice(person, "test", "Notice", f"shared:{person.id}", link="/challenges",
                                 email_template="notification") for person in people])
        db.session.commit()
        wait_for(lambda: len(_sent()) == len(people), timeout=120,
                 message=lambda: f"{len(_sent())} of {len(people)} sent without beat's help")
        assert "mail.send_due" in worker.output() and "mail.send_due" in second.output()  # both took part
    finally:
        second.stop()
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted(p.email for p in people)
    assert len(set(smtp_sink.message_ids())) == len(people)
    assert {d.attempts for d in _sent()} == {1}


def test_smtp_refusing_is_recorded_retried_and_delivered_when_back(worker, smtp_sink, f):
    user = f.member(f.Company(), "owner")
    smtp_sink.refuse = True
    _notify(user, "refused")
    failed = wait_for(lambda: db.session.scalars(select(EmailDelivery).where(
        EmailDelivery.attempts >= 1)).first(), message="a failed attempt")
    assert failed.status == "queued" and "451" in failed.last_error and failed.next_attempt_at is not None
    smtp_sink.refuse = False
    # The worker's retries start at a second here (MAIL_RETRY_MIN_SECONDS); beat's sweep asks for the run.
    wait_for(lambda: db.session.get(EmailDelivery, failed.id).next_attempt_at <= utcnow(), timeout=5,
             message="the retry due")
    current_app.extensions["celery"].send_task("outbox.redispatch_stuck")
    wait_for(lambda: len(_sent()) == 1, timeout=60, message="delivery after the server is back")
    delivery = db.session.scalars(select(EmailDelivery)).one()
    assert delivery.attempts >= 2 and delivery.last_error is None
    assert len(smtp_sink.messages) == 1


def test_beat_redispatches_stuck_events_every_minute():
    from worker.schedule import BEAT_SCHEDULE

    schedules = {entry["task"]: entry["schedule"] for entry in BEAT_SCHEDULE.values()}
    assert timedelta(seconds=schedules["outbox.redispatch_stuck"]) <= timedelta(minutes=1)
