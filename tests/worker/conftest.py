"""A real Celery worker process, a private Redis server it can lose, and the SMTP sink.

Each test gets its own redis-server on a free port (so stopping it harms no
other test) and a worker started with `celery -A worker.app worker --pool solo`
(or prefork, and under worker/supervise.py, as in production) on the test's
PostgreSQL database. With CI=true a missing redis-server binary
or database fails the run; nothing here is skipped.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from marketplace.extensions import db
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout=30, interval=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message() if callable(message) else message}")


class PrivateRedis:
    def __init__(self):
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class Worker:
    """`celery -A worker.app worker` in its own process, on the test's database and broker."""

    def __init__(self, database_url, broker_url, smtp_port, tmp_path, name="test", pool="solo", supervised=False):
        self.env = dict(os.environ, AGORA_ENV="testing", TEST_DATABASE_URL=database_url,
                        CELERY_BROKER_URL=broker_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_port),
                        OUTBOX_STUCK_AFTER_SECONDS="0", MAIL_RETRY_MIN_SECONDS="1", PYTHONUNBUFFERED="1")
        self.name = name
        self.pool = pool  # "prefork" as in production (two processes), or "solo"
        self.supervised = supervised  # run under worker/supervise.py, as the Procfiles do
        self.log_path = tmp_path / f"{name}.log"
        self.process = None

    def start(self):
        self.log = open(self.log_path, "ab")
        command = [sys.executable, "-m", "celery", "-A", "worker.app", "worker", "--pool", self.pool,
                   "--concurrency", "2", "--loglevel", "INFO", "--without-heartbeat", "--without-gossip",
                   "--without-mingle", "-n", f"{self.name}-{os.getpid()}@%h"]
        if self.supervised:
            command = [sys.executable, "-m", "worker.supervise", "--min-delay", "0.2", "--"] + command
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if b" ready." in self.log_path.read_bytes():
                return
            if self.process.poll() is not None:
                raise AssertionError("the worker died:\n" + self.log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        raise AssertionError("the worker did not become ready:\n" + self.log_path.read_text(errors="replace")[-3000:])

    def kill(self):
        """SIGKILL: no warm shutdown, no acknowledgement, as when a machine dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def output(self):
        return self.log_path.read_text(errors="replace")


def use_broker(app, url):
    """Point the test process's Celery app at another broker, dropping connections to the old one."""
    celery = app.extensions["celery"]
    celery.conf.broker_url = url
    celery.conf.broker_write_url = None
    if celery._pool is not None:
        celery._pool.force_close_all()
        celery._pool = None
    celery.amqp._producer_pool = None


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def dispatching(app, private_redis):
    """The test process dispatches outbox events to the private Redis right after commit, as the web does."""
    previous_url = app.extensions["celery"].conf.broker_url
    use_broker(app, private_redis.url)
    app.config["OUTBOX_DISPATCH_AFTER_COMMIT"] = True
    yield app.extensions["celery"]
    app.config["OUTBOX_DISPATCH_AFTER_COMMIT"] = False
    use_broker(app, previous_url)


@pytest.fixture
def worker(database_url, private_redis, smtp_sink, tmp_path, dispatching):
    if not database_url.startswith("postgresql"):
        pytest.fail("worker tests share the database with another process: run them on PostgreSQL")
    process = Worker(database_url, private_redis.url, smtp_sink.port, tmp_path)
    process.start()
    yield process
    process.stop()
