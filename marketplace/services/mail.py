"""Email: queued in the database with the change that causes it, sent over SMTP by the worker, once.

`queue_email` renders the message in the recipient's language and records an
EmailDelivery (unique by its dedupe key) plus an outbox event `email.queued`.
The worker's handler calls `send_delivery`, which sends it unless it was sent
already, and records every attempt: queued → sent, or failed with the last
error, retried with backoff by the outbox task until the server takes it.
"""
import hashlib
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, format_datetime, parseaddr

from flask import current_app
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import EmailDelivery, OutboxEvent, User
from ..models.notification import DELIVERY_FAILED, DELIVERY_QUEUED, DELIVERY_SENT
from .clock import utcnow
from .outbox import handles

log = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "agora.unsubscribe"


class DeliveryFailed(Exception):
    pass


def absolute_url(path):
    return current_app.config["BASE_URL"].rstrip("/") + "/" + path.lstrip("/")


def unsubscribe_token(user):
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).dumps({"user": user.id})


def user_from_unsubscribe_token(token):
    """The user a signed unsubscribe link belongs to, or None for a forged or damaged link."""
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        return None
    return db.session.get(User, data.get("user")) if isinstance(data, dict) else None


def recipient_locale(user=None, locale=None):
    languages = current_app.config["LANGUAGES"]
    for candidate in (getattr(user, "locale", None), locale):
        if candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def render_email(template, *, locale, context):
    """(subject, text, html) of templates/email/<template>.txt and .html, in `locale`."""
    env = current_app.jinja_env
    with force_locale(locale):
        text_template = env.get_template(f"email/{template}.txt")
        subject = "".join(text_template.blocks["subject"](text_template.new_context(context))).strip()
        text = text_template.render(context).strip() + "\n"
        try:
            html = env.get_template(f"email/{template}.html").render(context)
        except Exception as exc:  # a missing HTML version sends text only
            if exc.__class__.__name__ != "TemplateNotFound":
                raise
            html = None
    return " ".join(subject.split())[:300], text, html


def queue_email(template, *, dedupe_key, user=None, address=None, locale=None, context=None, calendar=None):
    """Record one email to send; the same dedupe key never makes a second one. The caller commits."""
    existing = db.session.scalar(select(EmailDelivery).where(EmailDelivery.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    to_address = user.email if user is not None else address
    if not to_address:
        raise ValueError("an email needs a user or an address")
    language = recipient_locale(user, locale)
    values = {"base_url": current_app.config["BASE_URL"].rstrip("/"), "recipient": user, "locale": language,
              "unsubscribe_url": absolute_url(f"/notifications/unsubscribe/{unsubscribe_token(user)}")
              if user is not None else None, **(context or {})}
    subject, text, html = render_email(template, locale=language, context=values)
    delivery = EmailDelivery(dedupe_key=dedupe_key, user_id=user.id if user is not None else None,
                             to_address=to_address, subject=subject, body_text=text, body_html=html,
                             calendar=calendar, status=DELIVERY_QUEUED)
    try:
        with db.session.begin_nested():  # another process queued the same email a moment ago: keep theirs
            db.session.add(delivery)
            db.session.flush()
    except IntegrityError:
        return db.session.scalar(select(EmailDelivery).where(EmailDelivery.dedupe_key == dedupe_key))
    db.session.add(OutboxEvent(topic="email.queued", payload={"delivery_id": delivery.id}))
    return delivery


def message_for(delivery):
    message = EmailMessage()
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    message["From"] = formataddr(parseaddr(sender))
    message["To"] = delivery.to_address
    message["Subject"] = delivery.subject
    message["Date"] = format_datetime(delivery.created_at)
    # Stable per delivery: a resend after a crash carries the same id, so mail systems can drop the copy.
    domain = parseaddr(sender)[1].partition("@")[2] or "agora.invalid"
    message["Message-ID"] = f"<{hashlib.sha256(delivery.dedupe_key.encode()).hexdigest()[:32]}@{domain}>"
    if delivery.user_id is not None:
        user = db.session.get(User, delivery.user_id)
        if user is not None:
            link = absolute_url(f"/notifications/unsubscribe/{unsubscribe_token(user)}")
            message["List-Unsubscribe"] = f"<{link}>"
    message.set_content(delivery.body_text)
    if delivery.body_html:
        message.add_alternative(delivery.body_html, subtype="html")
    if delivery.calendar:
        message.add_attachment(delivery.calendar.encode("utf-8"), maintype="text", subtype="calendar",
                               filename="invitation.ics", params={"method": "REQUEST"})
    return message


class _Connection:
    """One SMTP connection per worker process, reused between messages and reopened when it breaks."""

    smtp = None
    settings = None

    @classmethod
    def open(cls, config):
        settings = tuple(config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_SSL", "MAIL_USE_TLS",
                                             "MAIL_USERNAME"))
        if cls.smtp is not None and cls.settings == settings:
            return cls.smtp
        cls.close()
        host, port, use_ssl, use_tls = settings[:4]
        timeout = config.get("MAIL_TIMEOUT", 30)
        if use_ssl:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
            if use_tls:
                smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        cls.smtp, cls.settings = smtp, settings
        return smtp

    @classmethod
    def send(cls, config, message):
        """Send on the kept connection; if the server closed it meanwhile, reconnect once and send again."""
        try:
            cls.open(config).send_message(message)
        except smtplib.SMTPServerDisconnected:
            cls.close()
            cls.open(config).send_message(message)

    @classmethod
    def close(cls):
        if cls.smtp is not None:
            try:
                cls.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
        cls.smtp = None


def send_delivery(delivery_id):
    """Send one queued email unless it was sent already; record the attempt either way."""
    query = select(EmailDelivery).where(EmailDelivery.id == delivery_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # two workers with the same delivery: the second waits, then skips
    delivery = db.session.scalar(query)
    if delivery is None or delivery.status == DELIVERY_SENT:
        db.session.rollback()
        return False
    message = message_for(delivery)
    try:
        _Connection.send(current_app.config, message)
    except (smtplib.SMTPException, OSError) as exc:
        _Connection.close()
        delivery.attempts += 1
        delivery.status = DELIVERY_FAILED
        delivery.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        db.session.commit()
        raise DeliveryFailed(f"email {delivery_id} to {delivery.to_address}: {delivery.last_error}") from exc
    delivery.attempts += 1
    delivery.status = DELIVERY_SENT
    delivery.sent_at = utcnow()
    delivery.last_error = None
    db.session.commit()
    return True


@handles("email.queued")
def deliver_queued_email(event):
    send_delivery(event.payload["delivery_id"])
