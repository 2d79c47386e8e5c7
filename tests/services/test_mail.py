"""Email: queued once per key, rendered in the recipient's language, sent over real SMTP, failures recorded."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import EmailDelivery, Notification
from marketplace.services.messaging import mail, notifications
from marketplace.services.clock import utcnow
from marketplace.services.messaging.outbox import process_pending


def _notify(user, key="k1", **kwargs):
    result = notifications.notify(user, kind="test", title="A new challenge matches you", body="Sector 72",
                                  link="/challenges/x", dedupe_key=key, email_template="notification", **kwargs)
    db.session.commit()
    return result


def test_notify_once_per_key_with_an_email_for_immediate_people(f, smtp_sink):
    user = f.member(f.Company(), "owner")
    assert _notify(user) is not None
    assert _notify(user) is None
    assert db.session.query(Notification).count() == 1
    assert db.session.query(EmailDelivery).count() == 1
    process_pending()
    process_pending()
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["To"] == user.email and message["Subject"] == "A new challenge matches you"
    assert message.get_body(("plain",)).get_content().startswith("A new challenge matches you")
    html = message.get_body(("html",)).get_content()
    assert "http://localhost/challenges/x" in html and "/notifications/unsubscribe/" in html
    assert message["List-Unsubscribe"].strip().startswith("<http://localhost/notifications/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # RFC 8058: the link takes a POST
    delivery = db.session.scalars(select(EmailDelivery)).one()
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.sent_at is not None



def test_account_emails_say_why_they_came_and_offer_no_unsubscribe(f, smtp_sink):
    """No preference stops a password reset: a "Stop these emails" link there (or a List-Unsubscribe header) would
    promise what it cannot do."""
    user = f.member(f.Company(), "owner")
    mail.queue_email("password_reset", dedupe_key="reset", user=user,
                     context={"reset_url": "http://localhost/auth/reset/t", "hours": 1})
    db.session.commit()
    process_pending()
    message = smtp_sink.messages[0]
    text, html = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
    assert "List-Unsubscribe" not in message and "List-Unsubscribe-Post" not in message
    assert "/notifications/unsubscribe/" not in text + html and "Stop these emails" not in text + html
    for body in (text, html):
        assert "You get this email because someone asked for a new password for the Agora account" in body
        assert "Your email preference does not stop emails like this one." in body

@pytest.mark.parametrize("preference,emails", [("immediate", 1), ("daily", 0), ("off", 0)])
def test_the_preference_decides_the_email(f, preference, emails):
    user = f.member(f.Company(), "owner", notification_preference=preference)
    _notify(user)
    assert db.session.query(Notification).count() == 1
    assert db.session.query(EmailDelivery).count() == emails


def test_emails_are_in_the_recipients_language(f, smtp_sink):
    user = f.member(f.Company(), "owner", locale="fr")
    mail.queue_email("digest", dedupe_key="d1", user=user, context={"items": [{"title": "X", "link": None}]})
    db.session.commit()
    delivery = db.session.scalars(select(EmailDelivery)).one()
    assert delivery.subject == "Votre résumé Agora\u00a0: 1 nouvelle notification"  # the no-break space kept
    assert "Voici ce qui s’est passé sur Agora depuis hier." in delivery.body_text


def _one_delivery():
    db.session.expire_all()
    return db.session.scalars(select(EmailDelivery)).one()


def test_a_refusing_server_is_recorded_retried_and_delivered_later(f, smtp_sink):
    user = f.member(f.Company(), "owner")
    _notify(user)
    smtp_sink.refuse = True
    report = mail.send_due()
    assert (report.sent, report.failed, report.given_up) == (0, 1, 0)
    delivery = _one_delivery()
    # Still queued, with its own next attempt: a minute, less up to a fifth (jitter).
    assert delivery.status == "queued" and delivery.attempts == 1 and "451" in delivery.last_error
    assert timedelta(seconds=47) <= delivery.next_attempt_at - delivery.failing_since <= timedelta(seconds=60)
    smtp_sink.refuse = False
    assert mail.send_due().sent == 0  # not before its backoff ends
    assert mail.send_due(now=delivery.next_attempt_at).sent == 1
    delivery = _one_delivery()
    assert delivery.status == "sent" and delivery.attempts == 2 and delivery.last_error is None
    assert delivery.next_attempt_at is None and delivery.failing_since is None
    assert len(smtp_sink.messages) == 1


def _queue(users, prefix="batch"):
    for n, user in enumerate(users):
        mail.queue_email("notification", dedupe_key=f"{prefix}:{n}", user=user, context={"title": f"T{n}", "body": ""})
    db.session.commit()


def test_a_batch_sends_each_due_email_once_in_the_order_queued(f, smtp_sink):
    users = [f.member(f.Company(), "owner") for _ in range(5)]
    _queue(users)
    assert mail.send_due(limit=3).sent == 3
    assert mail.send_due(limit=3).sent == 2
    assert mail.send_due(limit=3).sent == 0
    assert [m["To"] for m in smtp_sink.messages] == [u.email for u in users]
    assert len(set(smtp_sink.message_ids())) == 5
    assert {(d.status, d.attempts) for d in db.session.scalars(select(EmailDelivery))} == {("sent", 1)}


def test_a_refused_email_does_not_end_the_batch(f, smtp_sink):
    _queue([f.member(f.Company(), "owner") for _ in range(3)])
    smtp_sink.refuse = True  # 451 to each message: each waits for its own next attempt
    report = mail.send_due()
    assert (report.sent, report.failed, report.server_unreachable) == (0, 3, False)
    assert {(d.status, d.attempts) for d in db.session.scalars(select(EmailDelivery))} == {("queued", 1)}


def test_an_unreachable_server_ends_the_batch_and_leaves_the_rest_due(f, app):
    _queue([f.member(f.Company(), "owner") for _ in range(3)])
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)  # nothing listens on the discard port
    try:
        report = mail.send_due()
    finally:
        app.config.update(MAIL_SERVER="localhost", MAIL_PORT=25)
    assert (report.sent, report.failed, report.server_unreachable) == (0, 1, True)
    attempts = [d.attempts for d in db.session.scalars(select(EmailDelivery).order_by(EmailDelivery.id))]
    assert attempts == [1, 0, 0]


def test_an_email_that_cannot_be_built_is_recorded_and_does_not_hold_up_the_others(f, smtp_sink):
    broken, fine = f.member(f.Company(), "owner"), f.member(f.Company(), "owner")
    _queue([broken, fine])
    db.session.execute(EmailDelivery.__table__.update().where(EmailDelivery.dedupe_key == "batch:0")
                       .values(to_address="someone@example.org\nBcc: everyone@example.org"))
    db.session.commit()
    report = mail.send_due()
    assert (report.sent, report.failed, report.given_up) == (1, 1, 1)  # it will never build: given up at once
    assert [m["To"] for m in smtp_sink.messages] == [fine.email]
    failed = db.session.scalars(select(EmailDelivery).where(EmailDelivery.status == "failed")).one()
    assert failed.attempts == 1 and "Bcc: everyone@example.org" in failed.last_error
    assert failed.next_attempt_at is None


@contextmanager
def _next_email_claimed_by_another_worker():
    """Another worker is sending the next due email: it holds the row lock (PostgreSQL) or the lease (SQLite)."""
    if db.engine.dialect.name != "postgresql":
        with db.engine.connect() as other:
            mail._claim(other, mail._due_ids(other, utcnow(), 1)[0], utcnow())
        yield
        return
    with db.engine.connect() as other:
        other.execute(select(EmailDelivery.id).order_by(EmailDelivery.next_attempt_at).limit(1).with_for_update())
        yield
    # That connection is gone, as a killed worker's would be: the lock went with it.


def test_an_email_another_worker_is_sending_is_left_to_it(f, smtp_sink):
    first, second = f.member(f.Company(), "owner"), f.member(f.Company(), "owner")
    _queue([first, second])
    with _next_email_claimed_by_another_worker():
        assert mail.send_due().sent == 1
        db.session.rollback()
    assert [m["To"] for m in smtp_sink.messages] == [second.email]
    # That worker died without sending: once its claim is gone the email is sent, once.
    assert mail.send_due(now=utcnow() + mail.SQLITE_LEASE + timedelta(seconds=1)).sent == 1
    assert [m["To"] for m in smtp_sink.messages] == [second.email, first.email]


def test_the_email_another_worker_holds_does_not_end_a_batch_early(f, smtp_sink):
    first, second = f.member(f.Company(), "owner"), f.member(f.Company(), "owner")
    _queue([first, second])
    with _next_email_claimed_by_another_worker():
        assert mail.send_due(limit=1).sent == 1  # one more wanted: the next one, not nothing
        db.session.rollback()
    assert [m["To"] for m in smtp_sink.messages] == [second.email]


def test_sending_twice_sends_once(f, smtp_sink):
    user = f.member(f.Company(), "owner")
    mail.queue_email("notification", dedupe_key="x", user=user, context={"title": "T", "body": ""})
    db.session.commit()
    assert mail.send_due().sent == 1
    assert mail.send_due().sent == 0
    assert mail.stuck_send_batches() == 0
    assert len(smtp_sink.messages) == 1


@pytest.mark.parametrize("method", [mail.CALENDAR_REQUEST, mail.CALENDAR_CANCEL])
def test_a_calendar_goes_with_the_method_its_builder_gave_it(f, smtp_sink, method):
    user = f.member(f.Company(), "owner")
    # Written on one line: the method is what the builder says, not something read back out of the text.
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-NOTE:METHOD:{method} is not read here\r\nEND:VCALENDAR\r\n"
    mail.queue_email("notification", dedupe_key="ics", user=user, context={"title": "T", "body": ""},
                     calendar=mail.CalendarPart(text, method))
    db.session.commit()
    mail.send_due()
    [part] = [p for p in smtp_sink.messages[0].walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == method and _one_delivery().calendar_method == method


def test_no_server_at_all_is_a_recorded_failure(f, app):
    user = f.member(f.Company(), "owner")
    mail.queue_email("notification", dedupe_key="y", user=user, context={"title": "T", "body": ""})
    db.session.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)  # nothing listens on the discard port
    try:
        assert mail.send_due().failed == 1
    finally:
        app.config.update(MAIL_SERVER="localhost", MAIL_PORT=25)
    delivery = _one_delivery()
    assert delivery.status == "queued" and "Connection" in delivery.last_error and delivery.attempts == 1


def test_emails_queued_together_are_each_recorded_once(f):
    users = [f.member(f.Company(), "owner") for _ in range(3)]
    emails = [mail.OutgoingEmail("notification", f"many:{u.id}", user=u, context={"title": "T", "body": ""})
              for u in users]
    assert mail.queue_emails(emails + emails[:1]) == 3
    assert mail.queue_emails(emails) == 0  # a handler run twice
    db.session.commit()
    assert db.session.query(EmailDelivery).count() == 3
    assert mail.send_batches(3) == 1 and mail.send_batches(mail.BATCH_SIZE + 1) == 2


def test_an_email_needs_somebody_to_go_to(f):
    with pytest.raises(ValueError):
        mail.queue_email("notification", dedupe_key="nobody", context={"title": "T", "body": ""})
    assert db.session.query(EmailDelivery).count() == 0


def test_notify_all_tells_each_person_once_in_their_language_by_their_preference(f):
    company = f.Company()
    now_en = f.member(company, "owner")
    now_fr = f.member(company, "member", locale="fr")
    daily = f.member(company, "member", notification_preference="daily")
    off = f.member(company, "member", notification_preference="off")
    suspended = f.member(company, "member", is_suspended=True)
    from flask_babel import lazy_gettext as _l

    notices = [notifications.Notice(user, "test", _l("Stop these emails"), f"all:{user.id}", link="/notifications",
                                    email_template="notification")
               for user in (now_en, now_fr, daily, off, suspended)]
    assert len(notifications.notify_all(notices)) == 4
    assert notifications.notify_all(notices) == []
    db.session.commit()
    notes = {n.user_id: n for n in db.session.scalars(select(Notification))}
    assert set(notes) == {now_en.id, now_fr.id, daily.id, off.id}
    assert notes[now_en.id].title == "Stop these emails" and notes[now_fr.id].title == "Ne plus recevoir ces e-mails"
    deliveries = db.session.scalars(select(EmailDelivery)).all()
    assert sorted(d.to_address for d in deliveries) == sorted([now_en.email, now_fr.email])
    assert {d.dedupe_key for d in deliveries} == {f"email:all:{now_en.id}", f"email:all:{now_fr.id}"}


def test_unsubscribe_links_are_signed(f):
    user = f.member(f.Company(), "owner")
    token = mail.unsubscribe_token(user)
    assert notifications.unsubscribe(token[:-2] + "xx") is None
    assert notifications.unsubscribe(token).notification_preference == "off"


def test_the_daily_digest_once_a_day(f):
    daily = f.member(f.Company(), "owner", notification_preference="daily")
    _notify(daily, key="a")
    _notify(daily, key="b")
    assert notifications.send_daily_digests() == 1
    assert notifications.send_daily_digests() == 1
    digests = db.session.scalars(select(EmailDelivery).where(EmailDelivery.dedupe_key.like("digest:%"))).all()
    assert len(digests) == 1 and "2 new notices" in digests[0].subject


def test_the_digest_says_notices_in_the_language_of_the_day_and_the_unsayable_as_stored(f):
    from flask_babel import lazy_gettext as _l
    from marketplace.services.messaging.notice_text import message_of, said_again

    person = f.member(f.Company(), "owner", notification_preference="daily", locale="fr")
    notifications.notify(person, kind="t", title=_l("New question on “%(title)s”", title="Eau"), dedupe_key="q")
    person.locale = "de"
    db.session.commit()
    notifications.send_daily_digests()
    digest = db.session.scalars(select(EmailDelivery)).one()
    assert "Neue Frage zu „Eau“" in digest.body_text
    assert message_of("A text of its own") is None and message_of(_l("%(x)s", x=object())) is not None
    reworded = {"args": ["Needs %(a_parameter_never_kept)s"], "params": {"title": "Eau"}}  # a msgid changed since
    assert said_again(reworded, "as stored") == "as stored"


def test_inbox_read_marks_are_private(f):
    user = f.member(f.Company(), "owner")
    other = f.member(f.Company(), "owner")
    note = _notify(user)
    from marketplace.services.errors import NotFound

    with pytest.raises(NotFound):
        notifications.mark_read(other, note.id)
    assert notifications.unread_count(user) == 1
    notifications.mark_all_read(user)
    assert notifications.unread_count(user) == 0
