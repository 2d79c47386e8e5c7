"""Shared fixtures: the app on a real database, a client, factories and a sign-in helper.

The database comes from TEST_DATABASE_URL (PostgreSQL in CI, see the Makefile);
without it the suite runs on an in-memory SQLite database. Under pytest-xdist
each worker gets its own PostgreSQL database. With CI=true a configured
service that cannot be reached fails the run: it is never skipped.
"""
import os
import time

import pytest
import flask_babel
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from marketplace import create_app
from marketplace.extensions import db as _db
from marketplace.extensions import limiter
from marketplace.services.open_data import public_data

from . import factories


def pytest_collection_modifyitems(config, items):
    """On SQLite, leave out the tests that are about PostgreSQL's concurrency; they run in the PostgreSQL pass."""
    if os.environ.get("TEST_DATABASE_URL", "sqlite://").startswith("postgresql"):
        return
    kept = [item for item in items if item.get_closest_marker("postgres") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def _database_url(worker_id):
    url = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    if not url.startswith("postgresql") or worker_id in (None, "master"):
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker_id}").render_as_string(hide_password=False)


def _ensure_postgres_database(url):
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(worker_id):
    url = _database_url(worker_id)
    if url.startswith("postgresql"):
        _ensure_postgres_database(url)
    return url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")),
        OPEN_DATA_BULK_DIR=str(tmp_path_factory.mktemp("open-data")),
        OUTBOX_DISPATCH_AFTER_COMMIT=False,
    )
    with app.app_context():
        _db.drop_all()
        _db.create_all()  # tests only; tests/test_migrations.py checks the migrations match
    return app


def _empty_all_tables(attempts=3):
    _db.session.remove()
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    try:
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))
    except OperationalError as error:
        # A process the test started (a Celery worker, the live server) may still be finishing a read: PostgreSQL
        # then breaks the deadlock by cancelling the TRUNCATE, which is safe to run again once that read is done.
        if attempts <= 1 or "deadlock" not in str(error).lower():
            raise
        time.sleep(0.2)
        _empty_all_tables(attempts - 1)


@pytest.fixture(autouse=True)
def app_context(app):
    # The app is shared by the session: a setting a test changes without monkeypatch must not reach the next
    # test (a default organisation scheme left behind once changed a later test's postal code check).
    settings = dict(app.config)
    with app.app_context():
        yield
        if app.config != settings:
            app.config.clear()
            app.config.update(settings)
        _empty_all_tables()
        # Flask-Limiter takes any error while it evaluates a limit for its storage failing, then counts for a while in
        # a memory store of its own, which reset() does not empty: fail the test that caused it, not a later one
        # whose attempts are counted there and forgotten when it switches back (an oversized sign-in once did it).
        assert not getattr(limiter, "_storage_dead", False), "the rate limiter fell back to its in-memory store"
        limiter.reset()
        app.extensions["page_cache"].clear()  # TRUNCATE is SQL text: the public data token does not see it
        public_data.forget_kept()


@pytest.fixture
def db(app_context):
    return _db


class _FreshRequestClient(FlaskClient):
    """The test's app context is shared by the client's requests, and Flask-Login and
    Flask-Babel cache the user, locale and time zone (and Flask-WTF the CSRF token) on `g`: forget them around each
    request, as a real server (one app context per request) would."""

    def open(self, *args, **kwargs):
        _forget_request_caches()
        try:
            return super().open(*args, **kwargs)
        finally:
            _forget_request_caches()


def _forget_request_caches():
    g.pop("_login_user", None)
    g.pop("csrf_token", None)  # Flask-WTF keeps the request's token on g
    flask_babel.refresh()


@pytest.fixture
def client(app):
    app.test_client_class = _FreshRequestClient
    return app.test_client()


@pytest.fixture
def another_app(database_url, tmp_path):
    """another_app(**config): another app instance (another web process) on this test's database."""
    if database_url.startswith("sqlite"):  # an in-memory database is one engine's own: share a file instead
        database_url = f"sqlite:///{tmp_path / 'shared.sqlite'}"

    def make(**config):
        other = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, OUTBOX_DISPATCH_AFTER_COMMIT=False,
                           **config)
        with other.app_context():
            _db.create_all()  # tests only, as above; a no-op where the tables exist
        return other

    return make


class SharedRedis:
    """The Redis named by TEST_REDIS_URL (a database of this test run's own) and a key prefix of this test's own,
    so that tests running at the same time under pytest-xdist never touch each other's keys."""

    def __init__(self, url, prefix):
        import redis

        self.url, self.prefix = url, prefix
        self.connection = redis.Redis.from_url(url, socket_connect_timeout=2)
        self.connection.ping()  # a Redis that does not answer fails the test: it is never skipped

    def keys(self):
        return list(self.connection.scan_iter(f"*{self.prefix}*", count=500))

    def empty(self):
        for key in self.keys():
            self.connection.delete(key)


@pytest.fixture
def shared_redis(worker_id):
    import uuid

    redis_ = SharedRedis(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
                         f"test-{worker_id}-{uuid.uuid4().hex[:8]}:")
    yield redis_
    redis_.empty()
    redis_.connection.close()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """login(user): sign the test client in as that user, as Flask-Login would."""

    def _login(user):
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return _login


@pytest.fixture
def f():
    """The factories, as f.Agency(), f.Company(), f.member(org, role), f.Challenge(), f.Pitch()."""
    return factories


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPSink:
    """A real SMTP server in the test process (aiosmtpd) that keeps what it receives.

    `refuse` makes it answer 451 (try again later) to every message, as a mail
    server does when it is overloaded; `messages` holds the parsed emails.
    """

    def __init__(self):
        self.messages = []
        self.refuse = False
        self.delay = 0.0  # seconds each message takes to accept, as a distant server does
        self.refuse_recipients = set()  # addresses answered 550 (no such mailbox)
        self._hold = None

    def hold_next(self, entered, release, after=0):
        """Keep a transaction open after RCPT (the next one, or the one after `after` more messages
        arrived): the client is in the middle of sending. When released, it answers 421 and keeps nothing."""
        self._hold = (entered, release, len(self.messages) + after)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        if self._hold is not None and len(self.messages) >= self._hold[2]:
            entered, release, _ = self._hold
            self._hold = None
            entered.set()
            while not release.is_set():
                await asyncio.sleep(0.05)
            return "421 4.3.0 Closing connection"
        if address in self.refuse_recipients:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        if self.refuse:
            return "451 4.3.0 Try again later"
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def message_ids(self):
        return [m["Message-ID"] for m in self.messages]


@pytest.fixture
def smtp_sink(app):
    from aiosmtpd.controller import Controller

    sink = SMTPSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_USERNAME")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False,
                      MAIL_USERNAME=None)
    sink.port = port
    yield sink
    from marketplace.services.messaging.mail import _Connection

    _Connection.close()
    app.config.update(saved)
    controller.stop()
