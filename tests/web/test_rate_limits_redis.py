"""Sign-in and password-reset limits are shared by every web process through Redis, as in production.

Each "web process" here is a real separate Python process with its own app, so
nothing is shared between them but the database and the Redis of TEST_REDIS_URL.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# One web process: its own app on the given database and rate-limit storage, posting a form N times
# (the email may hold {n}, the attempt's number).
WEB_PROCESS = """
import json, sys
from marketplace import create_app
from marketplace.extensions import db
database, storage, prefix, path, email, times, address = sys.argv[1:8]
app = create_app("testing", SQLALCHEMY_DATABASE_URI=database, RATELIMIT_STORAGE_URI=storage,
                 RATELIMIT_KEY_PREFIX=prefix, OUTBOX_DISPATCH_AFTER_COMMIT=False)
with app.app_context():
    db.create_all()  # tests only: a no-op on the test database, the tables of a fresh SQLite file
client = app.test_client()
print(json.dumps([client.post(path, data={"email": email.format(n=n), "password": "a wrong guess"},
                              environ_base={"REMOTE_ADDR": address}).status_code for n in range(int(times))]))
"""


@pytest.fixture
def web_process(database_url, tmp_path):
    if database_url.startswith("sqlite"):  # an in-memory database is one process's own: share a file instead
        database_url = f"sqlite:///{tmp_path / 'shared.sqlite'}"

    def run(storage, prefix, path, email, times, address="198.51.100.7"):
        done = subprocess.run([sys.executable, "-c", WEB_PROCESS, database_url, storage, prefix, path, email,
                               str(times), address], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    return run


def test_sign_in_attempts_on_one_process_count_on_the_other(web_process, shared_redis):
    email = "target@example.org"  # the per-account limit counts the address typed, whether or not it exists
    first = web_process(shared_redis.url, shared_redis.prefix, "/auth/login", email, 3)
    second = web_process(shared_redis.url, shared_redis.prefix, "/auth/login", email, 3)
    assert first == [401, 401, 401]
    assert second == [401, 401, 429]  # 5 per minute across both processes
    assert shared_redis.keys()


def test_without_redis_each_process_counts_alone(web_process):
    """The control: with memory storage the same attempts are not shared, so the test above shows Redis at work."""
    email = "target@example.org"
    assert web_process("memory://", "", "/auth/login", email, 3) == [401, 401, 401]
    assert web_process("memory://", "", "/auth/login", email, 3) == [401, 401, 401]


def test_password_reset_requests_on_one_process_count_on_the_other(web_process, shared_redis, f):
    person = f.member(f.Company(), "owner")
    first = web_process(shared_redis.url, shared_redis.prefix, "/auth/forgot", person.email, 2)
    second = web_process(shared_redis.url, shared_redis.prefix, "/auth/forgot", person.email, 2)
    assert first + second == [200, 200, 200, 429]  # 3 per hour across both processes


def test_the_per_address_limit_is_shared_too(web_process, shared_redis):
    limit_per_address = 30  # LOGIN_LIMIT_PER_ADDRESS: 30 per minute; each attempt names another account
    login = (shared_redis.url, shared_redis.prefix, "/auth/login")
    first = web_process(*login, "first{n}@example.org", limit_per_address - 1)
    second = web_process(*login, "second{n}@example.org", 2)
    other_address = web_process(*login, "third{n}@example.org", 1, address="203.0.113.5")
    assert set(first) == {401} and second == [401, 429] and other_address == [401]
