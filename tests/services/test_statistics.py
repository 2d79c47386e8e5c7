"""Public statistics, checked against figures worked out by hand from a known lifecycle."""
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, update

from marketplace.extensions import db
from marketplace.models import KeptStatistics, Pilot
from marketplace.services.open_data import public_data, statistics
from tests import open_data_world


@pytest.fixture
def world(f):
    return open_data_world.build(f)


def test_pitches_are_counted_per_challenge_once_its_deadline_has_passed(world):
    figures = statistics.public_statistics(now=world.end)
    # Past their deadline: the call (Alpha, Beta, Gamma; one withdrawn, one draft), the consultation (Beta)
    # and the cancelled challenge (none). The median of 0, 1 and 3 is 1.
    assert {b.key: b.count for b in figures.pitches_per_challenge.buckets} == {
        "0": 1, "1": 1, "2": 0, "3": 1, "4": 0, "5-9": 0, "10+": 0}
    assert figures.pitches_per_challenge.median == 1
    # Before any deadline nothing is counted: the pitches are sealed.
    sealed = statistics.public_statistics(now=world.start + timedelta(days=5))
    assert sealed.pitches_per_challenge.total == 0 and sealed.pitches_total == 0


def test_the_share_of_pitches_from_smes(world):
    figures = statistics.public_statistics(now=world.end)
    # Received pitches: Alpha (small), Beta (micro) twice, Gamma (large); the withdrawn one (medium) does not count.
    assert figures.pitches_by_size == [("micro", 2), ("small", 1), ("medium", 0), ("large", 1)]
    assert (figures.sme_pitches, figures.pitches_total, figures.sme_share) == (3, 4, 0.75)


def test_days_from_publishing_to_pilot_start_and_the_adoption_rate(world):
    figures = statistics.public_statistics(now=world.end)
    # The pilots start 40 and 45 days after the challenge was published.
    assert figures.days_to_pilot.median == 42.5
    assert {b.key: b.count for b in figures.days_to_pilot.buckets}["31-60"] == 2
    assert (figures.adopted, figures.stopped, figures.adoption_rate) == (1, 1, 0.5)


def test_the_median_time_to_answer_a_question(world):
    figures = statistics.public_statistics(now=world.end)
    # Answered after 2 hours and after 30 hours; the unanswered question does not count.
    assert figures.answer_hours.median == pytest.approx(16)
    assert {b.key: b.count for b in figures.answer_hours.buckets} == {
        "0-24": 1, "24-48": 1, "48-96": 0, "96-168": 0, "168+": 0}


def test_challenges_by_month_and_status_leave_out_drafts(world):
    figures = statistics.public_statistics(now=world.end)
    totals = {}
    for _, counts in figures.months:
        for status, count in counts.items():
            totals[status] = totals.get(status, 0) + count
    assert {s: n for s, n in totals.items() if n} == {"completed": 2, "cancelled": 1}


def test_months_without_challenges_are_shown_as_zero_in_order(f):
    for day, status in ((date(2025, 1, 15), "published"), (date(2025, 1, 31), "cancelled"),
                        (date(2025, 3, 2), "published")):
        f.Challenge(status=status, published_at=datetime.combine(day, datetime.min.time(), timezone.utc))
    f.Challenge(status="draft", published_at=None)
    months = statistics.challenges_by_month()
    assert [key for key, _ in months] == ["2025-01", "2025-02", "2025-03"]
    assert [(counts["published"], counts["cancelled"]) for _, counts in months] == [(1, 1), (0, 0), (1, 0)]


def test_with_nothing_published_every_figure_is_empty(f):
    f.Challenge(status="draft", published_at=None)
    figures = statistics.public_statistics()
    assert figures.months == [] and figures.challenges_total == 0
    assert figures.pitches_per_challenge.total == 0 and figures.pitches_per_challenge.median is None
    assert figures.sme_share is None and figures.adoption_rate is None
    assert figures.days_to_pilot.median is None and figures.answer_hours.median is None


def test_an_odd_count_takes_the_middle_value(world):
    third = Pilot(challenge_id=world.challenge.id, pitch_id=world.pitches["gamma"].id, agency_id=world.challenge.agency_id,
                  company_id=world.pitches["gamma"].company_id, budget=Decimal("1000"),
                  starts_on=(world.start + timedelta(days=100)).date(), ends_on=(world.start + timedelta(days=120)).date())
    db.session.add(third)
    db.session.commit()
    figures = statistics.public_statistics(now=world.end)
    assert figures.days_to_pilot.median == 45  # 40, 45 and 100 days
    assert {b.key: b.count for b in figures.days_to_pilot.buckets}["91-180"] == 1


def test_the_figures_are_kept_until_public_data_changes_or_a_deadline_passes(f):
    from sqlalchemy import event

    from marketplace.services.clock import utcnow

    now = utcnow()
    challenge = f.Challenge(pitch_deadline=now + timedelta(hours=2))
    f.Pitch(challenge=challenge, status="submitted", submitted_at=now)
    first = statistics.public_statistics(now=now)
    assert first.pitches_total == 0  # sealed until the deadline

    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    db.session.commit()  # a new transaction, as the next request's
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        again = statistics.public_statistics(now=now + timedelta(minutes=5))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert again is first and len(seen) == 1  # the token only: nothing changed, no deadline passed

    # The deadline passes: the pitch is counted at once, though no public table changed.
    after = statistics.public_statistics(now=now + timedelta(hours=3))
    assert after is not first and after.pitches_total == 1
    # A public change (a new challenge published) renews the token: computed again.
    f.Challenge(published_at=now, pitch_deadline=now - timedelta(days=1))
    assert statistics.public_statistics(now=now + timedelta(hours=3)).pitches_per_challenge.total == 2


def _stored_rows():
    return db.session.execute(select(KeptStatistics.token, KeptStatistics.computed_at)).all()


def test_a_deadline_passing_replaces_the_stored_figures_for_every_process(f, monkeypatch):
    from marketplace.services.clock import utcnow

    now = utcnow()
    challenge = f.Challenge(pitch_deadline=now + timedelta(hours=2))
    f.Pitch(challenge=challenge, status="submitted", submitted_at=now)
    assert statistics.public_statistics(now=now).pitches_total == 0
    monkeypatch.setattr(statistics, "_kept", {})  # another process: it reads them stored
    assert statistics.public_statistics(now=now + timedelta(minutes=5)).pitches_total == 0
    monkeypatch.setattr(statistics, "_kept", {})
    assert statistics.public_statistics(now=now + timedelta(hours=3)).pitches_total == 1  # not the stored 0
    assert _stored_rows() == [(public_data.current_token(), now + timedelta(hours=3))]


def test_figures_computed_while_the_public_data_changed_are_not_stored(f, monkeypatch):
    f.Challenge()
    computed = statistics._computed

    def computed_while_a_challenge_is_published(now):
        figures = computed(now)
        f.Challenge()  # committed before the token is checked
        return figures

    monkeypatch.setattr(statistics, "_computed", computed_while_a_challenge_is_published)
    assert statistics.public_statistics().challenges_total == 1
    assert _stored_rows() == []


def test_figures_stored_in_another_format_are_computed_again(f, monkeypatch):
    f.Challenge()
    statistics.public_statistics()
    db.session.execute(update(KeptStatistics).values(figures='{"format": 0}'))
    db.session.commit()
    monkeypatch.setattr(statistics, "_kept", {})
    assert statistics.public_statistics().challenges_total == 1
    assert json.loads(db.session.scalar(select(KeptStatistics.figures)))["format"] == statistics.STORED_FORMAT


@pytest.mark.postgres
def test_processes_asking_at_once_compute_the_figures_once(app, f, monkeypatch):
    """A process finding no figures waits for the one computing them, then reads what it stored."""
    import threading

    from sqlalchemy import func, text

    f.Challenge()
    token = public_data.current_token()
    db.session.commit()
    answers = {}

    def another_process():
        with app.app_context():
            try:
                answers["figures"] = statistics.public_statistics()
            finally:
                db.session.remove()

    monkeypatch.setattr(statistics, "_kept", {})
    with db.engine.connect() as computing:  # the first process, computing them
        computing.execute(select(func.pg_advisory_xact_lock(statistics.STATISTICS_LOCK)))
        waiting = threading.Thread(target=another_process)
        waiting.start()
        for _ in range(300):  # until the other process waits for the lock
            if computing.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")):
                break
            threading.Event().wait(0.02)
        else:
            raise AssertionError("the other process did not wait for the lock")
        stored = statistics.Statistics(months=[("2020-01", {"published": 7})], pitches_per_challenge=_empty(
            "pitches_per_challenge"), days_to_pilot=_empty("days_to_pilot"), answer_hours=_empty("answer_hours"))
        computing.execute(insert(KeptStatistics).values(
            token=token, computed_at=datetime(2000, 1, 1, tzinfo=timezone.utc), valid_until=None,
            figures=statistics._to_json(stored)))
        computing.commit()
        waiting.join(timeout=30)
    assert answers["figures"].challenges_total == 7  # read, not computed (one challenge)


def _empty(name):
    return statistics.Distribution(buckets=statistics._DISTRIBUTIONS[name]())


def test_the_worker_stores_the_figures_after_each_change_and_a_process_then_only_reads_them(f, monkeypatch):
    from marketplace.services.clock import utcnow
    from tests.statements import Statements
    from worker.schedule import BEAT_SCHEDULE

    assert "statistics.keep" in {entry["task"] for entry in BEAT_SCHEDULE.values()}
    now = utcnow()
    challenge = f.Challenge(pitch_deadline=now + timedelta(hours=2))
    f.Pitch(challenge=challenge, status="submitted", submitted_at=now)
    assert statistics.keep_stored(now=now) is True
    assert [token for token, _ in _stored_rows()] == [public_data.current_token()]
    assert statistics.keep_stored(now=now + timedelta(minutes=1)) is False  # they hold: nothing computed
    f.Challenge()  # a public change renews the token
    assert statistics.keep_stored(now=now + timedelta(minutes=2)) is True
    assert _stored_rows() == [(public_data.current_token(), now + timedelta(minutes=2))]
    monkeypatch.setattr(statistics, "_kept", {})  # a web process that has not read them yet
    db.session.commit()
    with Statements() as statements:
        figures = statistics.public_statistics(now=now + timedelta(minutes=3))
    assert figures.challenges_total == 2 and figures.pitches_total == 0 and statements.count == 2  # token, row
    # The deadline passes: the stored figures no longer hold; the worker computes them again.
    assert statistics.keep_stored(now=now + timedelta(hours=3)) is True
    monkeypatch.setattr(statistics, "_kept", {})
    db.session.commit()
    assert statistics.public_statistics(now=now + timedelta(hours=3, minutes=1)).pitches_total == 1
