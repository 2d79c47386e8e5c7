"""Signing in while Redis is down: the rate limits fall back to each process's own memory, say so once in the log
and in /healthz, and go back to Redis when it answers again.

The web process is a real separate process (its own app, so its own limiter), as in production; the Redis is a
private redis-server this test stops and starts (PRIVATE_REDIS_PORT picks its port, else a free one).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import redis

from tests.worker.conftest import PrivateRedis

ROOT = Path(__file__).resolve().parents[2]

# One web process: it prints what it saw at each step as a JSON line, then waits for a line on stdin (the test
# stopping or starting Redis in between).
WEB_PROCESS = r"""
import json, logging, sys, time
from marketplace import create_app
from marketplace.extensions import db
database, storage = sys.argv[1:3]
app = create_app("testing", SQLALCHEMY_DATABASE_URI=database, RATELIMIT_STORAGE_URI=storage,
                 OUTBOX_DISPATCH_AFTER_COMMIT=False)
logged = []
class Keep(logging.Handler):
    def emit(self, record):
        if "storage" in record.getMessage():  # not the lines about limits exceeded
            logged.append(record.getMessage())
limiter_log = logging.getLogger("flask-limiter")
limiter_log.addHandler(Keep())
limiter_log.setLevel(logging.INFO)
with app.app_context():
    db.create_all()  # tests only: a no-op on the test database, the tables of a fresh SQLite file
    from tests import factories
    from marketplace.services.accounts import api_tokens
    user = factories.member(factories.Company(), "owner")
    email, token = user.email, api_tokens.create_token(user, "ci")[1]
client = app.test_client()

def sign_in(password, address="198.51.100.7"):
    status = client.post("/auth/login", data={"email": email, "password": password},
                         environ_base={"REMOTE_ADDR": address}).status_code
    client.post("/auth/logout")
    return status

def step(**seen):
    health = client.get("/healthz")
    metrics = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).text.splitlines()
    shared = [line for line in metrics if line.startswith("agora_rate_limits_shared ")]
    print(json.dumps(dict(seen, health=[health.status_code, health.get_json()], logged=logged, shared=shared)),
          flush=True)
    sys.stdin.readline()

step(wrong=sign_in("a wrong guess"), right=sign_in(factories.PASSWORD))
step(wrong=sign_in("a wrong guess"), right=sign_in(factories.PASSWORD),  # Redis is down now
     reset=client.post("/auth/forgot", data={"email": email}).status_code,
     api=client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code,
     guesses=[sign_in("a wrong guess", address="203.0.113.9") for _ in range(6)])
# Redis is back: Flask-Limiter looks again after a backoff of a few seconds.
started, deadline = time.monotonic(), time.monotonic() + 60
while "Rate limit storage recovered" not in logged and time.monotonic() < deadline:
    sign_in("a wrong guess", address="192.0.2.1")
    time.sleep(0.25)
step(right=sign_in(factories.PASSWORD), wrong=sign_in("a wrong guess"), waited=time.monotonic() - started)
"""


def test_signing_in_works_while_the_rate_limit_storage_is_down(database_url, tmp_path):
    if database_url.startswith("sqlite"):  # an in-memory database is one process's own: use a file instead
        database_url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    server = PrivateRedis()
    server.port = int(os.environ.get("PRIVATE_REDIS_PORT") or server.port)
    server.start()
    web = subprocess.Popen([sys.executable, "-c", WEB_PROCESS, database_url, server.url], cwd=ROOT, text=True,
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def seen(then=None):
        line = web.stdout.readline()
        assert line, web.stderr.read()
        if then:
            then()
        web.stdin.write("\n")
        web.stdin.flush()
        return json.loads(line)

    try:
        up = seen(then=server.stop)
        assert (up["wrong"], up["right"]) == (401, 302)
        assert up["health"] == [200, {"status": "ok", "database": "ok", "broker": "ok", "rate_limits": "ok"}]
        assert up["logged"] == [] and up["shared"] == ["agora_rate_limits_shared 1.0"]

        down = seen(then=server.start)
        assert (down["wrong"], down["right"], down["reset"], down["api"]) == (401, 302, 200, 200)
        assert down["guesses"] == [401] * 5 + [429]  # the limits still hold, counted in this process's memory
        assert down["health"] == [200, {"status": "ok", "database": "ok", "broker": "ok", "rate_limits": "fallback"}]
        assert down["logged"] == ["Rate limit storage unreachable - falling back to in-memory storage"]  # once
        assert down["shared"] == ["agora_rate_limits_shared 0.0"]

        back = seen()
        assert (back["right"], back["wrong"]) == (302, 401) and back["logged"][-1] == "Rate limit storage recovered"
        assert back["waited"] < 40  # Flask-Limiter's backoff between looks at the storage is at most 32 s
        assert back["health"][1]["rate_limits"] == "ok" and back["shared"] == ["agora_rate_limits_shared 1.0"]
        assert redis.Redis(port=server.port).keys("LIMITS*")  # counted in Redis again
    finally:
        web.kill()
        web.wait(timeout=10)
        server.stop()
