"""Load benchmark: gunicorn on PostgreSQL, the pages people hit most, and 500 pitches in the last minute.

    .venv/bin/python bench/load.py [--users 50] [--seconds 20] [--workers 4] [--companies 500]

Builds a dedicated database (agora_bench_load) through the migrations, loads the
demo data, and serves Agora with gunicorn together with a minimal Flask
endpoint mounted at /minimal in the same gunicorn (so both are measured in the
same run, on the same machine). A threaded client with keep-alive connections
then measures requests per second and p50/p95/p99 latency for: the minimal
endpoint, the challenge list, a search, and a challenge page.

The deadline scenario: `--companies` companies each have a draft pitch for a
challenge whose deadline is a minute away; each signs in (a session cookie
signed with the app's key, as the login would set), opens its pitch page for
the CSRF token, and submits at a random moment of that last minute plus a few
seconds after it. Every submission answered "received" must be in the
database as submitted before the deadline; every one after must be refused;
none may be lost.
"""
import argparse
import datetime
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/agora_bench_load"
SECRET = "load-benchmark-secret-key-long-enough-0123456789"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def hammer(port, paths, users, seconds):
    """`users` threads, each on its own keep-alive connection, cycling through `paths` for `seconds`."""
    latencies, errors, stop = [], [0], time.monotonic() + seconds
    lock = threading.Lock()

    def user():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, n = [], 0
        while time.monotonic() < stop:
            path = paths[n % len(paths)]
            n += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=user) for _ in range(users)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return {"rps": len(latencies) / elapsed, "p50": percentile(latencies, .5), "p95": percentile(latencies, .95),
            "p99": percentile(latencies, .99), "errors": errors[0], "requests": len(latencies)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--companies", type=int, default=500)
    args = parser.parse_args()

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(os.environ.get("BENCH_DATABASE_URL", DATABASE))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    env = dict(os.environ, AGORA_ENV="production", SECRET_KEY=SECRET, JSON_LOGS="0", LOG_LEVEL="WARNING",
               DATABASE_URL=url.render_as_string(hide_password=False), SESSION_COOKIE_SECURE="0",
               LOGIN_LIMIT_PER_ADDRESS="100000 per minute")
    os.environ.update(env)

    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.demo import seed
    from marketplace.extensions import db
    from marketplace.models import Challenge, Membership, Organisation, Pitch, User
    from marketplace.services.clock import utcnow

    app = create_app("production", OUTBOX_DISPATCH_AFTER_COMMIT=False)
    with app.app_context():
        upgrade()
        seed()
        listed = db.session.scalar(db.select(Challenge).where(Challenge.status == "published").limit(1))
        detail_path = f"/challenges/{listed.slug}"
        agency = listed.agency
        # Time enough for the four page measurements first; then the rush runs up to the deadline.
        deadline = utcnow().replace(microsecond=0) + datetime.timedelta(seconds=75 + (args.seconds + 2) * 4)
        rush = Challenge(agency=agency, title="The last-minute rush", slug="last-minute-rush", status="published",
                         summary="Many pitches at the end.", problem_statement="Rush.", pitch_deadline=deadline,
                         published_at=utcnow())
        db.session.add(rush)
        companies = []
        for n in range(args.companies):
            company = Organisation(kind="company", name=f"Rush company {n}", slug=f"rush-{n}", verified=True)
            user = User(email=f"rush{n}@bench.example", name=f"Rush {n}", password_hash="not-used")
            db.session.add_all([company, user, Membership(user=user, organisation=company, role="owner")])
            db.session.add(Pitch(challenge=rush, company=company, title=f"Pitch {n}", summary="S", approach="A"))
            companies.append(user)
        db.session.commit()
        sessions = []
        for user in companies:
            with app.test_request_context():
                from flask import session

                session["_user_id"], session["_fresh"] = user.get_id(), True
                cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
            pitch_id = db.session.scalar(db.select(Pitch.id).join(
                Membership, Membership.organisation_id == Pitch.company_id).where(Membership.user_id == user.id))
            sessions.append((cookie, pitch_id))

    port = free_port()
    bench_app = ROOT / "bench" / "wsgi_bench.py"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind",
                               f"127.0.0.1:{port}", "--chdir", str(ROOT), "--log-level", "warning",
                               f"--pythonpath={bench_app.parent}", "wsgi_bench:app"],
                              env=env, start_new_session=True)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1)
        results = {}
        for name, paths in (("minimal endpoint", ["/minimal/"]), ("challenge list", ["/challenges"]),
                            ("search", ["/challenges?q=water", "/challenges?q=appointments&status=published",
                                        "/challenges?q=roads+potholes"]),
                            ("challenge page", [detail_path])):
            hammer(port, paths, 4, 2)  # warm up
            results[name] = hammer(port, paths, args.users, args.seconds)
        minimal = results["minimal endpoint"]["rps"]
        print(f"{'page':18} {'req/s':>8} {'% of minimal':>13} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for name, r in results.items():
            print(f"{name:18} {r['rps']:8.0f} {100 * r['rps'] / minimal:12.0f}% {r['p50']:8.1f} {r['p95']:8.1f} "
                  f"{r['p99']:8.1f} {r['errors']:7d}")
        rush_result(port, sessions, deadline, app)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def rush_result(port, sessions, deadline, app):
    from marketplace.extensions import db
    from marketplace.models import Pitch

    seconds_left = (deadline - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    answers, lock = [], threading.Lock()

    def company(cookie, pitch_id, at):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Cookie": f"session={cookie}"}
        conn.request("GET", "/challenges/last-minute-rush/pitch/check", headers=headers)
        response = conn.getresponse()
        page = response.read().decode()
        renewed = re.search(r"session=([^;]+)", response.getheader("Set-Cookie") or "")
        if renewed:  # the CSRF token lives in the session: send the session it came with
            headers = {"Cookie": f"session={renewed.group(1)}"}
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
        token = next(g for g in token.groups() if g)
        time.sleep(max(0.0, at - time.monotonic()))
        body = urlencode({"csrf_token": token})
        conn.request("POST", f"/pitches/{pitch_id}/submit", body=body,
                     headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        with lock:
            answers.append((pitch_id, response.status, time.time()))

    start = time.monotonic()
    # Most submit in the last minute; a few are a little late.
    moments = [start + max(0.0, seconds_left - 60) + random.uniform(0, 65) for _ in sessions]
    threads = [threading.Thread(target=company, args=(cookie, pitch_id, at))
               for (cookie, pitch_id), at in zip(sessions, moments)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        rows = {p.id: p for p in db.session.scalars(db.select(Pitch).where(Pitch.id.in_([a[0] for a in answers])))}
        received = [a for a in answers if a[1] == 302]
        refused = [a for a in answers if a[1] == 409]
        lost = [a for a in received if rows[a[0]].status != "submitted"]
        late = [p for p in rows.values() if p.status == "submitted" and p.submitted_at >= deadline]
        phantom = [a for a in refused if rows[a[0]].status == "submitted"]
        other = [a for a in answers if a[1] not in (302, 409)]
    print(f"deadline rush: {len(answers)} submissions, {len(received)} received before the deadline, "
          f"{len(refused)} refused after it, {len(other)} other answers")
    print(f"lost: {len(lost)}; accepted after the deadline: {len(late)}; refused but stored: {len(phantom)}")


if __name__ == "__main__":
    main()
