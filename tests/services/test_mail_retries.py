"""SMTP down for hours (time made to pass, not slept): each email keeps its own capped backoff, is tried a bounded
number of times however many runs ask, is sent once when the server returns, and is failed only after
MAIL_GIVE_UP_AFTER; a failed one is queued again by `flask mail requeue` or from /admin/emails."""
import logging
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import EmailDelivery
from marketplace.services.clock import utcnow
from marketplace.services.messaging import mail




@pytest.fixture
def three_emails(f):
    people = [f.member(f.Company(), "owner") for _ in range(3)]
    for n, person in enumerate(people):
        mail.queue_email("notification", dedupe_key=f"outage:{n}", user=person, context={"title": f"T{n}", "body": ""})
    db.session.commit()
    return people


@pytest.fixture
def smtp_down(app):
    """No server at the configured address; `smtp_down.up(sink)` points the worker at a real one again."""
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)  # nothing listens on the discard port

    class Switch:
        @staticmethod
        def up(sink):
            app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)

    mail._Outage.over(app.config)  # no outage left over from another test
    yield Switch
    app.config.update(saved)


def _deliveries():
    db.session.expire_all()
    return db.session.scalars(select(EmailDelivery).order_by(EmailDelivery.id)).all()


def _minute_of_work(extra_runs):
    """What the worker does in a minute: beat's sweep and the runs it asks for, plus runs asked by others
    (commits, redelivered tasks) that must not add attempts."""
    for _ in range(mail.stuck_send_batches() + extra_runs):
        mail.send_due()


def test_smtp_down_for_hours_each_email_is_tried_on_its_own_schedule_then_sent_once(
        three_emails, smtp_sink, smtp_down, caplog):
    caplog.set_level(logging.WARNING, logger="marketplace.services.messaging.mail")
    with freeze_time(utcnow()) as clock:
        for _ in range(6 * 60):  # six hours, a minute at a time
            _minute_of_work(extra_runs=2)
            clock.tick(timedelta(minutes=1))
        deliveries = _deliveries()
        # The old rule failed an email after ten attempts (about 20 minutes). Now: still queued, and tried
        # at most once per backoff step (1, 2, 4 … minutes, then hourly): 15 times at most in six hours,
        # not once per run (over a thousand runs were asked for).
        assert {d.status for d in deliveries} == {"queued"}
        assert all(10 < d.attempts <= 15 for d in deliveries), [d.attempts for d in deliveries]
        assert all(d.next_attempt_at - utcnow() <= timedelta(hours=1) for d in deliveries)  # the cap
        assert "Connection refused" in deliveries[0].last_error
        outage_lines = [r for r in caplog.records if "unreachable since" in r.getMessage()]
        assert 1 < len(outage_lines) < sum(d.attempts for d in deliveries)  # not one per failed attempt
        assert not [r for r in caplog.records if "not sent (attempt" in r.getMessage()]

        smtp_down.up(smtp_sink)
        for _ in range(61):  # within the hour every email's next attempt comes, and it is sent
            _minute_of_work(extra_runs=2)
            clock.tick(timedelta(minutes=1))
    deliveries = _deliveries()
    assert {(d.status, d.failing_since, d.next_attempt_at) for d in deliveries} == {("sent", None, None)}
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted(p.email for p in three_emails)
    assert any("reachable again" in r.getMessage() for r in caplog.records)


def test_an_unreachable_server_is_logged_once_a_minute_not_once_per_email(three_emails, smtp_down, caplog):
    caplog.set_level(logging.WARNING, logger="marketplace.services.messaging.mail")

    def lines():
        return [r.getMessage() for r in caplog.records if "unreachable since" in r.getMessage()]

    with freeze_time(utcnow()) as clock:
        for _ in range(3):
            assert mail.send_due().server_unreachable  # each run stops at its first email
        assert len(lines()) == 1 and "127.0.0.1:9 unreachable since" in lines()[0]
        clock.tick(timedelta(seconds=70))  # every email's first retry (48 to 60 s) is due
        for _ in range(3):
            mail.send_due()
        assert len(lines()) == 2 and "3 failed attempts since the last report" in lines()[1]
    assert [d.attempts for d in _deliveries()] == [2, 2, 2]


def test_the_processes_of_a_worker_share_the_outage_report(app, smtp_down, caplog):
    """A worker's pool processes are forked after mail.py is imported: one reports, the others count."""
    import os

    caplog.set_level(logging.WARNING, logger="marketplace.services.messaging.mail")
    child = os.fork()
    if child == 0:  # another process of the same worker, a moment earlier
        mail._Outage.failed(app.config, "ConnectionRefusedError", False)
        os._exit(0)
    os.waitpid(child, 0)
    mail._Outage.failed(app.config, "ConnectionRefusedError", False)
    assert not [r for r in caplog.records if "unreachable since" in r.getMessage()]
    assert mail._Outage._shared[mail._Outage.FAILURES] == 1  # counted for the next report


def test_an_email_is_failed_only_after_the_give_up_period(three_emails, smtp_down, app):
    app.config["MAIL_GIVE_UP_AFTER"] = 24 * 3600
    try:
        with freeze_time(utcnow()) as clock:
            for hour in range(30):
                for _ in range(3):
                    mail.send_due()
                deliveries = _deliveries()
                if hour < 24:
                    assert {d.status for d in deliveries} == {"queued"}, hour
                clock.tick(timedelta(hours=1))
    finally:
        app.config["MAIL_GIVE_UP_AFTER"] = 3 * 24 * 3600
    deliveries = _deliveries()
    assert {(d.status, d.next_attempt_at) for d in deliveries} == {("failed", None)}
    assert all(24 <= d.attempts <= 27 for d in deliveries)  # hourly, the cap, from the first hours on
    assert mail.queue_state()["failed"] == 3
    assert mail.stuck_send_batches() == 0 and mail.send_due().failed == 0  # given up: nobody tries again


def test_a_refusal_for_good_fails_at_once_and_the_batch_goes_on(f, smtp_sink):
    bad, good = f.member(f.Company(), "owner"), f.member(f.Company(), "owner")
    mail.queue_email("notification", dedupe_key="bad", user=bad, context={"title": "T", "body": ""})
    mail.queue_email("notification", dedupe_key="good", user=good, context={"title": "T", "body": ""})
    db.session.commit()
    smtp_sink.refuse_recipients = {bad.email}
    report = mail.send_due()
    assert (report.sent, report.failed, report.given_up) == (1, 1, 1)
    refused = db.session.scalars(select(EmailDelivery).where(EmailDelivery.status == "failed")).one()
    assert refused.to_address == bad.email and "550" in refused.last_error
    assert [m["To"] for m in smtp_sink.messages] == [good.email]


def _fail_all(three_emails):
    db.session.execute(EmailDelivery.__table__.update().values(
        status="failed", attempts=80, next_attempt_at=None, failing_since=utcnow() - timedelta(days=3),
        last_error="ConnectionRefusedError: [Errno 111] Connection refused"))
    db.session.commit()
    return [d.id for d in _deliveries()]


def test_flask_mail_requeue_by_id_and_all_failed(three_emails, runner, smtp_sink):
    ids = _fail_all(three_emails)
    result = runner.invoke(args=["mail", "requeue", str(ids[0])])
    assert result.exit_code == 0 and f"1 failed emails queued again: {ids[0]}" in result.output
    first = _deliveries()[0]
    assert (first.status, first.failing_since, first.attempts) == ("queued", None, 80)
    assert first.next_attempt_at <= utcnow()
    # An id that is not failed (queued now) or unknown is left alone, and said so.
    result = runner.invoke(args=["mail", "requeue", str(ids[0]), "999999"])
    assert result.exit_code == 1 and "0 failed emails queued again." in result.output
    assert f"left alone: {ids[0]}, 999999" in result.output
    result = runner.invoke(args=["mail", "requeue", "--failed"])
    assert result.exit_code == 0 and "2 failed emails queued again" in result.output
    assert {d.status for d in _deliveries()} == {"queued"}
    assert runner.invoke(args=["mail", "requeue"]).exit_code == 2  # neither ids nor --failed
    assert "due: 3" in runner.invoke(args=["mail", "status"]).output
    assert mail.send_due().sent == 3 and len(smtp_sink.messages) == 3


def test_the_admin_page_lists_failed_emails_and_queues_them_again(three_emails, client, login, f):
    ids = _fail_all(three_emails)
    login(f.admin())
    page = client.get("/admin/emails").text
    assert "Failed: 3." in page and three_emails[0].email in page and "Connection refused" in page
    response = client.post("/admin/emails/requeue", data={"delivery_id": str(ids[1])}, follow_redirects=True)
    assert "1 email is queued again." in response.text
    assert [d.status for d in _deliveries()] == ["failed", "queued", "failed"]
    response = client.post("/admin/emails/requeue", data={"delivery_id": "not-a-number"}, follow_redirects=True)
    assert response.status_code == 200 and "No email was queued again" in response.text
    response = client.post("/admin/emails/requeue", data={"all": "1"}, follow_redirects=True)
    assert "2 emails are queued again." in response.text and "No email has failed." in response.text
    assert {d.status for d in _deliveries()} == {"queued"}


def test_only_admins_see_and_requeue_failed_emails(three_emails, client, login, f, app):
    ids = _fail_all(three_emails)
    login(f.member(f.Agency(), "owner"))
    assert client.get("/admin/emails").status_code == 404
    assert client.post("/admin/emails/requeue", data={"all": "1"}).status_code == 404
    login(f.admin())
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/admin/emails/requeue", data={"delivery_id": str(ids[0])}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert {d.status for d in _deliveries()} == {"failed"}


def test_the_queue_metrics_come_from_the_database(three_emails, client):
    db.session.execute(EmailDelivery.__table__.update().where(EmailDelivery.dedupe_key == "outage:0").values(
        created_at=utcnow() - timedelta(minutes=10)))
    db.session.execute(EmailDelivery.__table__.update().where(EmailDelivery.dedupe_key == "outage:1").values(
        status="failed", next_attempt_at=None))
    db.session.execute(EmailDelivery.__table__.update().where(EmailDelivery.dedupe_key == "outage:2").values(
        attempts=4, failing_since=utcnow(), next_attempt_at=utcnow() + timedelta(minutes=5)))
    db.session.commit()
    text = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).text
    assert "agora_email_due 1.0" in text and "agora_email_retrying 1.0" in text and "agora_email_failed 1.0" in text
    oldest = float(next(line for line in text.splitlines() if line.startswith("agora_email_oldest_due_seconds ")
                        ).split()[1])
    assert 600 <= oldest < 660
