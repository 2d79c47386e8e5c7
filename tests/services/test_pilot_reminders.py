"""Pilot reminders: due soon, overdue, then escalated to the agency; each once per stage visit."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Notification
from marketplace.services.pilots import pilot_reminders, pilots
@pytest.fixture
def pilot(f):
    challenge = f.Challenge(status="evaluating")
    pitch = f.Pitch(challenge=challenge, status="selected")
    officer = f.member(challenge.agency, "procurement_officer")
    publisher = f.member(challenge.agency, "publisher")
    owner = f.member(challenge.agency, "owner")
    pilot = pilots.start_pilot(officer, pitch.id, budget="10000", starts_on=date.today(),
                               ends_on=date.today() + timedelta(days=60), owner_id=officer.id)
    return pilot, officer, publisher, owner


def _kinds(user):
    return sorted(n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_due_soon_then_overdue_then_escalated_each_once(pilot, app):
    pilot, officer, publisher, owner = pilot
    due = pilot.stage_due_on
    pilot_reminders.remind_due_stages(today=due - timedelta(days=5))
    assert _kinds(officer) == []
    pilot_reminders.remind_due_stages(today=due - timedelta(days=1))
    pilot_reminders.remind_due_stages(today=due - timedelta(days=1))
    assert _kinds(officer) == ["pilot.due-soon"]
    pilot_reminders.remind_due_stages(today=due + timedelta(days=1))
    pilot_reminders.remind_due_stages(today=due + timedelta(days=2))
    assert _kinds(officer) == ["pilot.due-soon", "pilot.overdue"]
    assert _kinds(publisher) == []
    late = due + timedelta(days=app.config["PILOT_ESCALATION_DAYS"])
    pilot_reminders.remind_due_stages(today=late)
    pilot_reminders.remind_due_stages(today=late + timedelta(days=1))
    assert _kinds(publisher) == ["pilot.escalated"] and _kinds(owner) == ["pilot.escalated"]


def test_no_reminders_after_an_outcome(pilot):
    pilot, officer, publisher, owner = pilot
    pilot.stage = "adopted"
    pilot.stage_due_on = None
    db.session.commit()
    pilot_reminders.remind_due_stages(today=date.today() + timedelta(days=100))
    assert _kinds(officer) == []


def test_only_running_pilots_past_their_end_move_by_themselves(pilot):
    pilot, *_ = pilot
    assert pilot_reminders.advance_ended_pilots(today=date.today() + timedelta(days=100)) == 0  # still in agreement
    pilot.stage = "running"
    db.session.commit()
    assert pilot_reminders.advance_ended_pilots(today=date.today()) == 0
    assert pilot_reminders.advance_ended_pilots(today=pilot.ends_on + timedelta(days=1)) == 1
    assert pilot_reminders.advance_ended_pilots(today=pilot.ends_on + timedelta(days=1)) == 0


GERMAN_MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
                 "November", "Dezember"]


@pytest.mark.parametrize("language,written", [("en", "{d.day} {d:%B} {d.year}"), ("de", "{d.day}. {month} {d.year}")])
def test_the_due_date_is_written_in_the_recipients_language(pilot, language, written):
    pilot, officer, _, _ = pilot
    officer.locale = language
    db.session.commit()
    pilot_reminders.remind_due_stages(today=pilot.stage_due_on - timedelta(days=1))
    notice = db.session.scalars(select(Notification).where(Notification.user_id == officer.id)).one()
    due = pilot.stage_due_on
    assert written.format(d=due, month=GERMAN_MONTHS[due.month - 1]) in notice.title


def test_a_stage_notice_sent_late_says_the_due_date_of_that_stage_and_an_outcome_none(pilot):
    """Found walking: with the worker behind, every stage notice said the due date of the pilot's stage when the
    worker ran ("Due by –" once adopted), and an outcome's notice said "Due by –"."""
    from marketplace.models import OutboxEvent
    from marketplace.services.messaging import outbox

    pilot, officer, _, _ = pilot
    agreement_due = pilot.stage_due_on
    pilot.stage, pilot.stage_due_on = "stopped", None  # what the pilot became before the worker ran
    db.session.add(OutboxEvent(topic="pilot.stage_changed", payload={
        "object_type": "pilots", "object_id": pilot.id, "from_stage": "evaluation", "to_stage": "stopped",
        "stage_due_on": None}))
    db.session.commit()
    outbox.process_pending()
    notices = {n.title: n.body for n in db.session.scalars(select(Notification).where(
        Notification.user_id == officer.id, Notification.kind == "pilot.stage_changed"))}
    started = next(body for title, body in notices.items() if title.endswith("Agreement"))
    assert f"Due by {agreement_due.day} {agreement_due:%B} {agreement_due.year}." in started
    stopped = next(body for title, body in notices.items() if title.endswith("Stopped"))
    assert stopped == f"Challenge: {pilot.challenge.title}." and "Due by" not in stopped
