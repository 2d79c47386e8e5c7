"""Email: queued once per key, rendered in the recipient's language, sent over real SMTP, failures recorded."""
import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import EmailDelivery, Notification, OutboxEvent
from marketplace.services import mail, notifications
from marketplace.services.mail import DeliveryFailed
from marketplace.services.outbox import HandlerFailed, process_pending


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
    assert message["List-Unsubscribe"].startswith("<http://localhost/notifications/unsubscribe/")
    delivery = db.session.scalars(select(EmailDelivery)).one()
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.sent_at is not None


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
    assert delivery.subject == "Votre résumé Agora : 1 nouvel avis"
    assert "Voici ce qui s’est passé sur Agora depuis hier." in delivery.body_text


def test_a_refusing_server_is_recorded_retried_and_delivered_later(f, smtp_sink):
    user = f.member(f.Company(), "owner")
    _notify(user)
    smtp_sink.refuse = True
    with pytest.raises(HandlerFailed):
        process_pending()
    delivery = db.session.scalars(select(EmailDelivery)).one()
    assert delivery.status == "failed" and delivery.attempts == 1 and "451" in delivery.last_error
    event = db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "email.queued")).one()
    assert event.processed_at is None and event.attempts == 1
    smtp_sink.refuse = False
    process_pending()
    db.session.refresh(delivery)
    assert delivery.status == "sent" and delivery.attempts == 2 and delivery.last_error is None
    assert len(smtp_sink.messages) == 1


def test_sending_twice_sends_once(f, smtp_sink):
    user = f.member(f.Company(), "owner")
    delivery = mail.queue_email("notification", dedupe_key="x", user=user, context={"title": "T", "body": ""})
    db.session.commit()
    assert mail.send_delivery(delivery.id) is True
    assert mail.send_delivery(delivery.id) is False
    assert len(smtp_sink.messages) == 1


def test_no_server_at_all_is_a_recorded_failure(f, app):
    user = f.member(f.Company(), "owner")
    delivery = mail.queue_email("notification", dedupe_key="y", user=user, context={"title": "T", "body": ""})
    db.session.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)  # nothing listens on the discard port
    try:
        with pytest.raises(DeliveryFailed):
            mail.send_delivery(delivery.id)
    finally:
        app.config.update(MAIL_SERVER="localhost", MAIL_PORT=25)
    db.session.refresh(delivery)
    assert delivery.status == "failed" and "Connection" in delivery.last_error


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
