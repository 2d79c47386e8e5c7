"""Bulk work: many rows in one statement, each unique key once; the cycle collector paused and always restored."""
import gc

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Notification
from marketplace.services.bulk import cycle_collector_paused, insert_new
from marketplace.services.clock import utcnow

NOTIFICATIONS = Notification.__table__


def _rows(user, *keys):
    return [{"user_id": user.id, "dedupe_key": key, "kind": "test", "title": key, "body": "", "link": None,
             "created_at": utcnow()} for key in keys]


def test_insert_new_reports_only_the_rows_it_wrote(f):
    user = f.member(f.Company(), "owner")
    assert sorted(insert_new(NOTIFICATIONS, _rows(user, "a", "b"), NOTIFICATIONS.c.dedupe_key)) == ["a", "b"]
    assert insert_new(NOTIFICATIONS, _rows(user, "b", "c"), NOTIFICATIONS.c.dedupe_key) == ["c"]
    assert insert_new(NOTIFICATIONS, [], NOTIFICATIONS.c.dedupe_key) == []
    db.session.commit()
    assert sorted(db.session.scalars(select(Notification.dedupe_key))) == ["a", "b", "c"]


def test_insert_new_writes_more_rows_than_one_statement_holds(f):
    user = f.member(f.Company(), "owner")
    keys = [f"k{n}" for n in range(2500)]
    assert len(insert_new(NOTIFICATIONS, _rows(user, *keys), NOTIFICATIONS.c.dedupe_key)) == 2500
    assert db.session.query(Notification).count() == 2500


def test_the_cycle_collector_is_paused_and_back_on_afterwards_even_after_an_error():
    assert gc.isenabled()
    with cycle_collector_paused():
        assert not gc.isenabled()
        with cycle_collector_paused():  # nested: the inner one leaves it to the outer
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with cycle_collector_paused():
            raise RuntimeError("a failing handler")
    assert gc.isenabled()
