"""Email: queued in the database with the change that causes it, sent over SMTP by the worker, once.

`queue_emails` renders each message in its recipient's language and records an
EmailDelivery per dedupe key (many in one INSERT; a key already queued is left
alone). The delivery rows are themselves the outbox: after the commit the
worker is asked for one `send_due` run per BATCH_SIZE new emails, and beat's
sweep asks again for any left behind (broker down, worker killed).

`send_due` sends due emails over the one kept SMTP connection, each claimed,
sent and recorded in its own short transaction: queued → sent. A delivery that
fails stays queued with its last error and its own next attempt, after a pause
that about doubles up to MAIL_RETRY_MAX_SECONDS; MAIL_GIVE_UP_AFTER after its
first failure (or at once when the server refuses it for good, 5xx) it is
failed, for a person to re-queue (`requeue`). Nothing else schedules retries:
beat's sweep asks for a run when deliveries are due, so during an SMTP outage
each delivery is tried once per backoff step however many runs there are.
"""
import hashlib
import logging
import math
import multiprocessing
import random
import re
import smtplib
import ssl
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, format_datetime, parseaddr

from flask import current_app
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, bindparam, func, or_, select, update

from marketplace.extensions import db
from marketplace.formatting import force_timezone
from marketplace.models import EmailDelivery, User
from marketplace.models.notification import DELIVERY_FAILED, DELIVERY_QUEUED, DELIVERY_SENT
from marketplace.services.bulk import insert_new
from marketplace.services.clock import utcnow
from marketplace.services.messaging import links
from marketplace.services.messaging.outbox import stuck_cutoff

log = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "agora.unsubscribe"
BATCH_SIZE = 100  # emails one worker task sends over the kept connection
OUTAGE_REPORT_EVERY = timedelta(minutes=1)  # while the SMTP server cannot be reached, one log line this often
# SQLite has no row locks: a claimed delivery's due time moves this far ahead, past any task's time limit.
SQLITE_LEASE = timedelta(minutes=10)
# session.info key: how many emails the current transaction queued (worker/outbox_dispatch.py reads it).
QUEUED_IN_TRANSACTION = "agora_emails_queued"


def unsubscribe_token(user):
    return _unsubscribe_token_for(user.id)


def _unsubscribe_token_for(user_id):
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).dumps({"user": user_id})


def _unsubscribe_url(user_id):
    return links.unsubscribe_url(_unsubscribe_token_for(user_id))


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


def render_email(template, *, locale, context, zone=None):
    """(subject, text, html) of templates/email/<template>.txt and .html, in `locale`, times in `zone`."""
    env = current_app.jinja_env
    with force_locale(locale), force_timezone(zone or current_app.config["DEFAULT_TIMEZONE"]):
        text_template = env.get_template(f"email/{template}.txt")
        subject = "".join(text_template.blocks["subject"](text_template.new_context(context))).strip()
        text = text_template.render(context).strip() + "\n"
        try:
            html = env.get_template(f"email/{template}.html").render(context)
        except Exception as exc:  # a missing HTML version sends text only
            if exc.__class__.__name__ != "TemplateNotFound":
                raise
            html = None
    # One line (a subject cannot hold line breaks), but French no-break spaces stay (« », « : »).
    return re.sub(r"[ \t\r\n\f\v]+", " ", subject)[:300], text, html


# RFC 5546's iTIP methods a calendar file is sent with: REQUEST adds (or updates) the event, CANCEL removes it.
CALENDAR_REQUEST = "REQUEST"
CALENDAR_CANCEL = "CANCEL"


@dataclass(frozen=True)
class CalendarPart:
    """An iCalendar file sent along with an email (text/calendar), with the method its builder gave it."""

    text: str
    method: str


@dataclass
class OutgoingEmail:
    """One email to queue: a template and its context, for a user (or a bare address), once per dedupe key."""

    template: str
    dedupe_key: str
    user: object = None
    address: str | None = None
    locale: str | None = None
    context: dict | None = None
    calendar: CalendarPart | None = None


def _delivery_row(email, now):
    to_address = email.user.email if email.user is not None else email.address
    if not to_address:
        raise ValueError("an email needs a user or an address")
    language = recipient_locale(email.user, email.locale)
    user_id = email.user.id if email.user is not None else None
    # No unsubscribe link unless the context brings one: only notices (notifications.py) can be stopped.
    values = {"base_url": current_app.config["BASE_URL"].rstrip("/"), "recipient": email.user, "locale": language,
              "unsubscribe_url": None, **(email.context or {})}
    subject, text, html = render_email(email.template, locale=language, context=values,
                                       zone=getattr(email.user, "timezone", None))
    return {"dedupe_key": email.dedupe_key, "user_id": user_id, "to_address": to_address, "subject": subject,
            "body_text": text, "body_html": html, "calendar": email.calendar.text if email.calendar else None,
            "calendar_method": email.calendar.method if email.calendar else None, "status": DELIVERY_QUEUED,
            "attempts": 0, "created_at": now, "next_attempt_at": now}


def queue_emails(emails):
    """Record these emails to send, each once per dedupe key; returns how many are new. The caller commits.

    One INSERT per thousand emails; a key queued before (by an earlier run of the
    same handler, or by another process a moment ago) keeps its first email.
    """
    now = utcnow()
    rows = [_delivery_row(email, now) for email in {e.dedupe_key: e for e in emails}.values()]
    new = len(insert_new(EmailDelivery.__table__, rows, EmailDelivery.__table__.c.id))
    if new:
        db.session.info[QUEUED_IN_TRANSACTION] = db.session.info.get(QUEUED_IN_TRANSACTION, 0) + new
    return new


def queue_email(template, *, dedupe_key, user=None, address=None, locale=None, context=None, calendar=None):
    """Record one email to send; the same dedupe key never makes a second one. The caller commits."""
    queue_emails([OutgoingEmail(template, dedupe_key, user=user, address=address, locale=locale, context=context,
                                calendar=calendar)])


def send_batches(count):
    """How many `send_due` runs it takes to send `count` emails."""
    return math.ceil(count / BATCH_SIZE)


def message_for(delivery):
    """The MIME message of a delivery (a row or an EmailDelivery), the same on every attempt.

    Built with the standard library's classic MIME classes (the compat32
    policy): a third of the time EmailMessage spends parsing its own headers,
    which counts at hundreds of emails a second. Non-ASCII headers are encoded
    (RFC 2047), bodies are UTF-8.
    """
    digest = hashlib.sha256(delivery.dedupe_key.encode()).hexdigest()[:32]
    # Every part is base64, which never holds "=_": a boundary of our own spares the generator its search.
    boundary = f"=_agora_{digest}"
    alternatives = [MIMEText(delivery.body_text, "plain", "utf-8")]
    if delivery.body_html:
        alternatives.append(MIMEText(delivery.body_html, "html", "utf-8"))
    body = alternatives[0] if len(alternatives) == 1 else \
        MIMEMultipart("alternative", boundary=boundary + "_a", _subparts=alternatives)
    if delivery.calendar:
        invitation = MIMEText(delivery.calendar, "calendar", "utf-8")
        invitation.set_param("method", delivery.calendar_method)
        invitation.add_header("Content-Disposition", "attachment", filename="invitation.ics")
        body = MIMEMultipart("mixed", boundary=boundary + "_m", _subparts=[body, invitation])
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    body["From"] = formataddr(parseaddr(sender))
    body["To"] = delivery.to_address
    body["Subject"] = delivery.subject
    body["Date"] = format_datetime(delivery.created_at)
    # Stable per delivery: a resend after a crash carries the same id, so mail systems can drop the copy.
    domain = parseaddr(sender)[1].partition("@")[2] or "agora.invalid"
    body["Message-ID"] = f"<{digest}@{domain}>"
    if delivery.user_id is not None:  # the link only needs the id: no user to load per message
        unsubscribe_url = _unsubscribe_url(delivery.user_id)
        if unsubscribe_url in delivery.body_text:  # as the footer offers it: notices yes, account emails never
            body["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            # RFC 8058 one-click: the provider POSTs this body to that link, with no cookie and no CSRF token.
            body["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return body


_SMTP_LINES = compat32.clone(linesep="\r\n")


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
    def send(cls, config, recipient, data):
        """Send on the kept connection; if the server closed it meanwhile, reconnect once and send again."""
        sender = parseaddr(config["MAIL_DEFAULT_SENDER"])[1]
        options = () if recipient.isascii() else ("SMTPUTF8",)  # an international address needs a server for it
        try:
            cls.open(config).sendmail(sender, [recipient], data, mail_options=options)
        except smtplib.SMTPServerDisconnected:
            cls.close()
            cls.open(config).sendmail(sender, [recipient], data, mail_options=options)

    @classmethod
    def close(cls):
        if cls.smtp is not None:
            try:
                cls.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
        cls.smtp = None


@dataclass
class SendReport:
    """What one `send_due` run did."""

    sent: int = 0
    failed: int = 0  # attempts that failed (the delivery waits for its next attempt, or was given up)
    given_up: int = 0
    server_unreachable: bool = False  # the run stopped: the SMTP server could not be used


# The statements of the sending loop, built once: plain Core, no ORM objects and no statement building per email.
_deliveries = EmailDelivery.__table__
_columns = _deliveries.c
_CLAIMED = [_columns[name] for name in ("id", "dedupe_key", "user_id", "to_address", "subject", "body_text",
                                        "body_html", "calendar", "calendar_method", "created_at", "attempts", "failing_since")]
_STILL_DUE = and_(_columns.id == bindparam("delivery_id"), _columns.next_attempt_at <= bindparam("now"))
_DUE_IDS = select(_columns.id).where(_columns.next_attempt_at <= bindparam("now")) \
    .order_by(_columns.next_attempt_at).limit(bindparam("limit"))
_LOCK = select(*_CLAIMED).where(_STILL_DUE).with_for_update(skip_locked=True)
_LEASE = update(_deliveries).where(_STILL_DUE).values(next_attempt_at=bindparam("lease_until")).returning(*_CLAIMED)
_RECORD = update(_deliveries).where(_columns.id == bindparam("delivery_id")).values(
    attempts=_columns.attempts + 1, status=bindparam("status"), sent_at=bindparam("sent_at"),
    last_error=bindparam("last_error"), next_attempt_at=bindparam("retry_at"),
    failing_since=bindparam("failing_since"))


def _due_ids(connection, now, limit):
    """The ids of the deliveries due longest, without claiming them.

    One index scan per batch, not per email: in a busy queue table the front of
    the index is a trail of rows already sent, which a scan must step over
    until vacuum clears it.
    """
    return connection.execute(_DUE_IDS, {"now": now, "limit": limit}).scalars().all()


def _claim(connection, delivery_id, now):
    """This delivery if it is still due, now ours alone until this transaction ends (PostgreSQL) or its
    lease runs out (SQLite); None if another worker has it or has sent it."""
    if connection.dialect.name == "postgresql":
        # Other workers skip the locked row; a worker that dies drops its connection and with it the lock.
        return connection.execute(_LOCK, {"delivery_id": delivery_id, "now": now}).first()
    row = connection.execute(_LEASE, {"delivery_id": delivery_id, "now": now,
                                      "lease_until": now + SQLITE_LEASE}).first()
    connection.commit()  # one statement took it; the commit shows the lease to the other processes
    return row


def _record(connection, delivery_id, status, *, sent_at=None, last_error=None, retry_at=None, failing_since=None):
    connection.execute(_RECORD, {"delivery_id": delivery_id, "status": status, "sent_at": sent_at,
                                 "last_error": last_error, "retry_at": retry_at, "failing_since": failing_since})
    connection.commit()


# What a failed attempt says about the server and the email.
UNREACHABLE = "unreachable"  # the server cannot be used now (refused, timed out, TLS, login, 421): stop the run
REFUSED_FOR_GOOD = "refused"  # this email will never be taken as it is (a 5xx answer, or it cannot be built)
NOT_NOW = "not now"  # this email, this time (a 4xx answer): try it again later, go on with the others


def _kind_of_failure(exc):
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return REFUSED_FOR_GOOD if codes and all(code >= 500 for code in codes) else NOT_NOW
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return NOT_NOW  # an international address this server cannot take; another server might
    if isinstance(exc, smtplib.SMTPResponseException) and not isinstance(
            exc, (smtplib.SMTPAuthenticationError, smtplib.SMTPHeloError, smtplib.SMTPConnectError,
                  smtplib.SMTPSenderRefused)):
        if exc.smtp_code == 421:  # "service not available, closing the channel"
            return UNREACHABLE
        return REFUSED_FOR_GOOD if exc.smtp_code >= 500 else NOT_NOW
    if isinstance(exc, OSError):  # smtplib's own errors are OSErrors too: disconnected, login or sender refused
        return UNREACHABLE
    return NOT_NOW


def retry_delay(failing_for, config):
    """The pause before the next attempt of a delivery failing for `failing_for`: as long again (so the pauses
    about double), at least MAIL_RETRY_MIN_SECONDS, at most MAIL_RETRY_MAX_SECONDS, less up to a fifth (jitter)."""
    seconds = min(config["MAIL_RETRY_MAX_SECONDS"], max(config["MAIL_RETRY_MIN_SECONDS"], failing_for.total_seconds()))
    return timedelta(seconds=seconds * random.uniform(0.8, 1.0))


class _Outage:
    """While the SMTP server cannot be reached: one log line a minute, not one per email.

    The state lives in shared memory made when this module is imported, before
    celery forks its pool: every process of a worker reads and writes the same
    values, so a worker logs one line a minute however many processes it has
    (each worker machine its own line). No lock: a process killed in the middle
    must not leave one held; at worst two processes log in the same minute.
    """

    _shared = multiprocessing.RawArray("d", 4)  # since, reported at (timestamps, 0: none), failures, given up
    SINCE, REPORTED, FAILURES, GIVEN_UP = range(4)

    @classmethod
    def failed(cls, config, error, gave_up):
        state, now = cls._shared, utcnow().timestamp()
        state[cls.SINCE] = state[cls.SINCE] or now
        state[cls.FAILURES] += 1
        state[cls.GIVEN_UP] += gave_up
        if state[cls.REPORTED] and now - state[cls.REPORTED] < OUTAGE_REPORT_EVERY.total_seconds():
            return
        state[cls.REPORTED] = now
        failures, given_up = int(state[cls.FAILURES]), int(state[cls.GIVEN_UP])
        state[cls.FAILURES] = state[cls.GIVEN_UP] = 0
        since = datetime.fromtimestamp(state[cls.SINCE], timezone.utc).isoformat(timespec="seconds")
        log.warning("SMTP server %s:%s unreachable since %s: %s failed attempts since the last report (%s emails "
                    "given up); every email waits for its next attempt. Last error: %s",
                    config["MAIL_SERVER"], config["MAIL_PORT"], since, failures, given_up, error)

    @classmethod
    def over(cls, config):
        state = cls._shared
        since = state[cls.SINCE]
        if not since:
            return
        state[cls.SINCE] = state[cls.REPORTED] = state[cls.FAILURES] = state[cls.GIVEN_UP] = 0
        log.warning("SMTP server %s:%s reachable again after %s s unreachable", config["MAIL_SERVER"],
                    config["MAIL_PORT"], round(utcnow().timestamp() - since))


def _failed(connection, delivery, exc, kind, config):
    """Record a failed attempt: the next one after the delivery's own backoff, or failed for good."""
    now = utcnow()
    error = f"{exc.__class__.__name__}: {exc}"[:2000]
    failing_since = delivery.failing_since or now
    give_up = kind == REFUSED_FOR_GOOD or now - failing_since >= timedelta(seconds=config["MAIL_GIVE_UP_AFTER"])
    retry_at = None if give_up else now + retry_delay(now - failing_since, config)
    _record(connection, delivery.id, DELIVERY_FAILED if give_up else DELIVERY_QUEUED, last_error=error,
            retry_at=retry_at, failing_since=failing_since)
    if kind == UNREACHABLE:
        _Outage.failed(config, error, give_up)
    elif give_up:
        log.error("email %s to %s given up after %s attempts: %s", delivery.id, delivery.to_address,
                  delivery.attempts + 1, error)
    else:
        log.warning("email %s to %s not sent (attempt %s), next attempt at %s: %s", delivery.id,
                    delivery.to_address, delivery.attempts + 1, retry_at.isoformat(timespec="seconds"), error)
    return give_up


def _attempt(connection, delivery):
    """Send one claimed delivery and record the outcome: None when sent, else the kind of failure."""
    config = current_app.config
    try:
        message = message_for(delivery)
        data = message.as_bytes(policy=_SMTP_LINES)  # sendmail sends bytes as they are: CRLF, as SMTP wants
    except Exception as exc:  # the stored email cannot be built (a damaged address…): it never will be
        return REFUSED_FOR_GOOD, _failed(connection, delivery, exc, REFUSED_FOR_GOOD, config)
    try:
        _Connection.send(config, message["To"], data)
    except Exception as exc:  # any failure is recorded and retried later, or one broken email would stall the rest
        _Connection.close()  # after an error the SMTP conversation is in an unknown state
        kind = _kind_of_failure(exc)
        return kind, _failed(connection, delivery, exc, kind, config)
    _record(connection, delivery.id, DELIVERY_SENT, sent_at=utcnow())
    _Outage.over(config)
    return None, False


@contextmanager
def _sending_connection():
    """A connection of its own for a run of sends: no pool round trip per email, and on PostgreSQL no disk wait.

    Each email's outcome is committed on its own, and with synchronous_commit
    off that commit returns before PostgreSQL has flushed it to disk (the disk
    flush here costs more than the whole rest of an email). Other sessions see
    the commit at once, so a worker that dies still resends nothing but the
    email in flight; only a crash of the database server itself within a
    fraction of a second could forget a few marks and resend those emails —
    with the same Message-ID, which receiving systems use to drop copies.
    """
    with db.engine.connect() as connection:
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:
            connection.exec_driver_sql("SET synchronous_commit TO off")
            connection.commit()
        try:
            yield connection
        finally:
            connection.rollback()
            if postgresql:  # the pooled connection goes back as it came
                connection.exec_driver_sql("RESET synchronous_commit")
                connection.commit()


def send_due(limit=BATCH_SIZE, now=None):
    """Try up to `limit` due emails over the kept connection, each claimed, sent and recorded on its own.

    A crash resends at most the one email in flight, with the same Message-ID;
    a delivery already sent is never due again, so a run repeated sends nothing
    twice. An email the server refuses waits for its own next attempt and the
    run goes on with the next one; when the server cannot be reached at all the
    run stops (the others stay due: the next run tries the next one).
    """
    report = SendReport()
    with _sending_connection() as connection:
        while report.sent + report.failed < limit:
            claimed = 0
            wanted = limit - report.sent - report.failed
            # More candidates than still wanted: the first due ones are often the emails other workers are
            # sending right now (one each), and stepping past those must not end this run early.
            for delivery_id in _due_ids(connection, now or utcnow(), wanted + BATCH_SIZE):
                delivery = _claim(connection, delivery_id, now or utcnow())
                if delivery is None:
                    continue  # another worker's
                claimed += 1
                failure, gave_up = _attempt(connection, delivery)
                if failure is None:
                    report.sent += 1
                else:
                    report.failed += 1
                    report.given_up += gave_up
                    if failure == UNREACHABLE:
                        report.server_unreachable = True
                        return report
                if report.sent + report.failed == limit:
                    return report
            if not claimed:
                break  # nothing due, or all of it in other workers' hands
    return report


def stuck_send_batches(max_batches=100, now=None):
    """How many `send_due` runs beat's sweep asks for: the emails left behind and the retries that are due.

    A broker outage or a killed worker leaves new deliveries due with nobody
    asked to send them (those due for longer than the outbox's stuck time, so a
    run queued by the commit that made them is not doubled). A failed attempt
    asks for nothing: its retry is due at its `next_attempt_at`, and the sweep
    after that time asks for it — the one place retries are scheduled.
    """
    now = now or utcnow()
    due = and_(_columns.next_attempt_at <= now, or_(_columns.attempts > 0, _columns.next_attempt_at <= stuck_cutoff()))
    left_behind = select(_columns.id).where(due).limit(max_batches * BATCH_SIZE).subquery()
    return send_batches(db.session.scalar(select(func.count()).select_from(left_behind)) or 0)


def queue_state(now=None):
    """The email queue as the metrics show it, read from the database (the same in every process): emails due,
    how long (seconds) the oldest of them has waited since it was queued, emails waiting for a retry, and
    emails given up."""
    now = now or utcnow()
    due = select(func.count(), func.min(_columns.created_at)).where(
        _columns.status == DELIVERY_QUEUED, _columns.next_attempt_at <= now)
    due_count, oldest = db.session.execute(due).one()
    retrying = db.session.scalar(select(func.count()).where(
        _columns.status == DELIVERY_QUEUED, _columns.next_attempt_at > now, _columns.failing_since.is_not(None)))
    failed = db.session.scalar(select(func.count()).where(_columns.status == DELIVERY_FAILED))
    if oldest is not None and oldest.tzinfo is None:  # SQLite hands back naive UTC from a bare aggregate
        oldest = oldest.replace(tzinfo=timezone.utc)
    return {"due": due_count, "oldest_due_seconds": max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
            "retrying": retrying, "failed": failed}


def requeue(ids=None, *, every_failed=False):
    """Queue failed deliveries again, due now with a fresh retry window: these ids, or every failed one.

    Only failed deliveries move (a sent email is never sent again; a queued one
    is already waiting). Returns the ids re-queued. The caller commits; the
    worker is asked to send them right after.
    """
    if ids is None and not every_failed:
        return []
    statement = update(EmailDelivery).where(EmailDelivery.status == DELIVERY_FAILED)
    if ids is not None:
        statement = statement.where(EmailDelivery.id.in_(list(ids)))
    moved = db.session.execute(statement.values(status=DELIVERY_QUEUED, next_attempt_at=utcnow(), failing_since=None)
                               .returning(EmailDelivery.id)).scalars().all()
    if moved:
        db.session.info[QUEUED_IN_TRANSACTION] = db.session.info.get(QUEUED_IN_TRANSACTION, 0) + len(moved)
    return sorted(moved)


def failed_deliveries(limit=200):
    """The failed deliveries, the latest first, and how many there are in all."""
    total = db.session.scalar(select(func.count()).where(_columns.status == DELIVERY_FAILED))
    rows = db.session.scalars(select(EmailDelivery).where(EmailDelivery.status == DELIVERY_FAILED)
                              .order_by(EmailDelivery.id.desc()).limit(limit)).all()
    return rows, total


def failed_for_admin(admin, limit=200):
    """The failed deliveries for the admin page (admins only), with the queue's state."""
    from marketplace.services import permissions

    permissions.require(admin, "admin.view")
    deliveries, total = failed_deliveries(limit)
    return deliveries, total, queue_state()


def requeue_for_admin(admin, ids=None, *, every_failed=False):
    """An admin queues failed deliveries again (admins only); committed, the worker is asked at once."""
    from marketplace.services import permissions

    permissions.require(admin, "admin.view")
    moved = requeue(ids, every_failed=every_failed)
    db.session.commit()
    log.info("admin %s queued %s failed emails again", admin.id, len(moved))
    return moved
