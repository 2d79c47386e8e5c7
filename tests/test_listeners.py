"""Event listeners are installed by the app factory, never by importing a module, and installing twice listens once."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.services.accounts import accounts
from marketplace.services.matching import matching
from marketplace.services.messaging import handlers, outbox

assert outbox.HANDLERS == {}, outbox.HANDLERS
assert not event.contains(Session, "after_flush", matching._profiles_changed_in_flush)

from marketplace import create_app
from marketplace.extensions import db
from marketplace.services.open_data import public_data

for _ in range(2):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
assert event.contains(Session, "after_flush", matching._profiles_changed_in_flush)
with app.app_context():
    assert event.contains(db.engine, "commit", public_data._renew_token)
assert outbox.HANDLERS["challenge.published"].count(matching.notify_matching_companies) == 1, outbox.HANDLERS
assert outbox.HANDLERS["user.password_reset_requested"] == [accounts.email_password_reset]
assert all(len(set(funcs)) == len(funcs) for funcs in outbox.HANDLERS.values())
print("ok")
"""


def test_listeners_come_from_the_factory_once():
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT), "AGORA_ENV": "testing"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
