"""Benchmark: fan one challenge out to 10,000 matched recipients through the real worker and an SMTP sink.

    .venv/bin/python bench/fanout_10k.py [--recipients 10000] [--concurrency 1]

Uses a dedicated PostgreSQL database (BENCH_DATABASE_URL, default
agora_bench_fanout, dropped and rebuilt through the migrations: never point it
at real data), a private redis-server on a free port, an in-process aiosmtpd
sink that counts messages, and one `celery -A worker.app worker` process with
the given concurrency. It loads one company per recipient that matches the
challenge, then runs the real `challenge.published` handler here (what the
worker would: score every company, store the matches, one notice and one
queued email per member, one transaction), timing it; the commit dispatches
the sending tasks to the worker as in production, and the script times until
the sink has every message. It checks that each email arrived exactly once and
prints emails per second (overall and per worker process), the CPU time per
email of the worker and of the sink, the load average, and a SUMMARY line.
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
AIM_PER_PROCESS = 200  # emails a second, issue 3


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CountingSink:
    def __init__(self):
        self.count = 0
        self.message_ids = set()

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                self.message_ids.add(line)
                break
        return "250 OK"


def cpu_seconds(process_group):
    """User + system CPU time of every process in a process group (the worker and its pool), from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) == process_group:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_until_ready(celery, worker, timeout=120):
    """Until the worker answers a ping: its start-up is not part of the figures."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            sys.exit("the worker died on start-up")
        if celery.control.ping(timeout=1.0):
            return
    sys.exit("the worker did not answer within two minutes")


def load_recipients(db, count):
    """One verified company per recipient, in the challenge's sector and with its words, with one owner each."""
    from sqlalchemy import insert, select

    from marketplace.models import Membership, Organisation, User, organisation_sectors
    from marketplace.services.matching import matching
    from marketplace.services.clock import utcnow

    now = utcnow()
    db.session.execute(insert(Organisation), [
        {"kind": "company", "name": f"Company {n}", "slug": f"company-{n}", "verified": True, "suspended": False,
         "size": "small", "capability_statement": "Software for public services and citizens.",
         "four_eyes_publishing": False, "created_at": now, "updated_at": now} for n in range(count)])
    db.session.execute(insert(User), [
        {"email": f"person{n}@bench.example", "name": f"Person {n}", "password_hash": "x", "is_admin": False,
         "is_suspended": False, "notification_preference": "immediate", "session_version": 1, "created_at": now}
        for n in range(count)])
    companies = db.session.scalars(select(Organisation.id).where(Organisation.kind == "company")
                                   .order_by(Organisation.id)).all()
    users = db.session.scalars(select(User.id).order_by(User.id)).all()
    db.session.execute(insert(Membership), [
        {"user_id": user_id, "organisation_id": org_id, "role": "owner", "created_at": now}
        for user_id, org_id in zip(users, companies)])
    db.session.execute(insert(organisation_sectors), [{"organisation_id": i, "cpv_division": "72"} for i in companies])
    db.session.commit()
    matching.reindex_all_profiles()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # still stop the worker and redis-server

    from aiosmtpd.controller import Controller
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(os.environ.get("BENCH_DATABASE_URL", DATABASE))
    if not url.drivername.startswith("postgresql"):
        sys.exit("BENCH_DATABASE_URL must point at PostgreSQL")
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
               AUDIT_KEY="benchmark-audit-key-that-is-long-enough-too-0123", OCDS_OCID_PREFIX="ocds-bench1",
               DATABASE_URL=url.render_as_string(hide_password=False), REDIS_URL=redis_url,
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_port), JSON_LOGS="0", BASE_URL="http://bench.local")
    os.environ.update(env)  # before the app's config is imported
    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.models import Challenge, EmailDelivery, Organisation, OutboxEvent, challenge_sectors
    from marketplace.services.messaging import outbox
    from marketplace.services.messaging.events import record_change

    app = create_app("production")
    worker = None
    try:
        with app.app_context():
            upgrade()
            agency = Organisation(kind="agency", name="Bench Agency", slug="bench-agency", verified=True)
            db.session.add(agency)
            db.session.flush()
            challenge = Challenge(agency_id=agency.id, title="Software for public services", slug="bench-challenge",
                                  status="published", summary="Benchmark: every company matches.")
            db.session.add(challenge)
            db.session.flush()
            db.session.execute(challenge_sectors.insert().values(challenge_id=challenge.id, cpv_division="72"))
            db.session.commit()
            load_recipients(db, args.recipients)
            db.session.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would give
            db.session.commit()

            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "worker.app", "worker", "--loglevel", "WARNING",
                 "--concurrency", str(args.concurrency), "--without-heartbeat", "--without-gossip",
                 "--without-mingle"],
                cwd=ROOT, env=env, start_new_session=True)
            wait_until_ready(app.extensions["celery"], worker)

            app.config["OUTBOX_DISPATCH_AFTER_COMMIT"] = False  # the publishing commit: this script runs it
            record_change(None, "challenge.published", challenge, challenge_id=challenge.id)
            db.session.commit()
            event_id = db.session.scalar(db.select(OutboxEvent.id).where(OutboxEvent.topic == "challenge.published"))
            app.config["OUTBOX_DISPATCH_AFTER_COMMIT"] = True  # the handler's commit dispatches the sending
            load_before = os.getloadavg()[0]
            started = time.perf_counter()
            outbox.process_event(event_id)  # match, notify, queue every email; commit; dispatch
            committed = time.perf_counter()
            worker_cpu, own_cpu = cpu_seconds(worker.pid), time.process_time()
            queued = db.session.scalar(db.select(db.func.count(EmailDelivery.id)))
            deadline = time.monotonic() + 1800
            while sink.count < queued and time.monotonic() < deadline:
                time.sleep(0.1)
            delivered = time.perf_counter()
            worker_cpu, sink_cpu = cpu_seconds(worker.pid) - worker_cpu, time.process_time() - own_cpu
            load_after = os.getloadavg()[0]
            time.sleep(2)  # anything sent twice would arrive now
            db.session.expire_all()
            sent_once = db.session.scalar(db.select(db.func.count(EmailDelivery.id)).where(
                EmailDelivery.status == "sent", EmailDelivery.attempts == 1))

        sending = delivered - committed
        rate = sink.count / sending
        exactly_once = sink.count == queued == len(sink.message_ids) == sent_once == args.recipients
        print(f"recipients: {args.recipients:,}; matched, notified and queued in one transaction "
              f"(the challenge.published handler): {committed - started:.1f} s")
        print(f"delivered {sink.count:,} emails in {sending:.1f} s after that commit: {rate:.0f} emails/s with "
              f"{args.concurrency} worker process(es), {rate / args.concurrency:.0f} per process")
        print(f"each exactly once: {exactly_once} (sink {sink.count:,}, distinct Message-IDs "
              f"{len(sink.message_ids):,}, deliveries sent at the first attempt {sent_once:,})")
        print(f"CPU per email while sending: worker {worker_cpu / max(sink.count, 1) * 1000:.2f} ms, "
              f"SMTP sink (this process) {sink_cpu / max(sink.count, 1) * 1000:.2f} ms; "
              f"1-minute load average {load_before:.1f} before, {load_after:.1f} after (2 cores)")
        per_process = rate / args.concurrency
        print(f"SUMMARY fanout_10k: {args.recipients:,} recipients queued in {committed - started:.1f} s, "
              f"{per_process:.0f} emails/s per worker process (aim >= {AIM_PER_PROCESS}: "
              f"{'met' if per_process >= AIM_PER_PROCESS else 'NOT met'}), exactly once: {exactly_once}")
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        controller.stop()
        redis.terminate()


if __name__ == "__main__":
    main()
