"""Benchmark: fan one challenge out to 10,000 matched recipients through the real worker and an SMTP sink.

    .venv/bin/python bench/fanout_10k.py [--recipients 10000] [--concurrency 1]

Uses a dedicated PostgreSQL database (agora_bench_fanout, dropped and rebuilt
through the migrations), a private redis-server on a free port, an in-process
aiosmtpd sink that counts messages, and one `celery -A worker.app worker`
process with the given concurrency. It records one notification and one queued
email per recipient in one transaction (what the matching handler does for a
published challenge), commits, dispatches the outbox events as the web
process would, and times until the sink has every message. Prints emails per
second, overall and per worker process.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/agora_bench_fanout"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CountingSink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(os.environ.get("BENCH_DATABASE_URL", DATABASE))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()

    redis_port, smtp_port = free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    redis = subprocess.Popen([shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(redis_port),
                              "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()

    env = dict(os.environ, AGORA_ENV="production", SECRET_KEY="benchmark-secret-key-that-is-long-enough-0123",
               DATABASE_URL=url.render_as_string(hide_password=False), REDIS_URL=redis_url,
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_port), JSON_LOGS="0", BASE_URL="http://bench.local")
    os.environ.update(env)
    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.models import Challenge, Membership, Organisation, OutboxEvent, User
    from marketplace.services import notifications

    app = create_app("production", OUTBOX_DISPATCH_AFTER_COMMIT=False, ARGON2_TIME_COST=1, ARGON2_MEMORY_COST=1024)
    worker = None
    try:
        with app.app_context():
            upgrade()
            agency = Organisation(kind="agency", name="Bench Agency", slug="bench-agency", verified=True)
            db.session.add(agency)
            challenge = Challenge(agency=agency, title="A challenge for everyone", slug="bench-challenge",
                                  status="published", summary="Benchmark.")
            db.session.add(challenge)
            db.session.flush()
            users = []
            for n in range(args.recipients):
                company = Organisation(kind="company", name=f"Company {n}", slug=f"company-{n}", verified=True)
                user = User(email=f"person{n}@bench.example", name=f"Person {n}", password_hash="x")
                db.session.add_all([company, user, Membership(user=user, organisation=company, role="owner")])
                users.append(user)
            db.session.flush()
            started = time.perf_counter()
            for user in users:
                notifications.notify(user, kind="challenge.matched", title="New challenge: A challenge for everyone",
                                     body="Works in your sector.", link=f"/challenges/{challenge.slug}",
                                     dedupe_key=f"match:{challenge.id}:{user.id}", email_template="notification")
            db.session.commit()
            queued = time.perf_counter() - started
            event_ids = db.session.scalars(db.select(OutboxEvent.id).where(
                OutboxEvent.topic == "email.queued")).all()

        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker.app", "worker", "--loglevel", "WARNING",
             "--concurrency", str(args.concurrency), "--without-heartbeat", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, start_new_session=True)
        time.sleep(3)
        celery = app.extensions["celery"]
        started = time.perf_counter()
        with celery.producer_or_acquire() as producer:
            for event_id in event_ids:
                celery.send_task("outbox.process_event", args=[event_id], producer=producer)
        dispatched = time.perf_counter() - started
        deadline = time.monotonic() + 1800
        while sink.count < len(event_ids) and time.monotonic() < deadline:
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        rate = sink.count / elapsed
        print(f"recipients: {args.recipients}; notifications and emails queued in one transaction: {queued:.1f} s")
        print(f"dispatched {len(event_ids)} tasks in {dispatched:.1f} s")
        print(f"delivered {sink.count} emails in {elapsed:.1f} s: {rate:.0f} emails/s with "
              f"{args.concurrency} worker process(es), {rate / args.concurrency:.0f} per process")
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        controller.stop()
        redis.terminate()


if __name__ == "__main__":
    main()
