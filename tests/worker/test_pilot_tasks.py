"""The pilot workflow run by the real worker: stage announcements, the end date passing, reminders."""
import io
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Notification, Pilot
from marketplace.services.pilots import pilots
from marketplace.services.pilots.pilot_workflow import move_pilot

from .conftest import wait_for

pytestmark = pytest.mark.worker


@pytest.fixture
def running_pilot(f):
    challenge = f.Challenge(status="evaluating")
    pitch = f.Pitch(challenge=challenge, status="selected")
    officer = f.member(challenge.agency, "procurement_officer")
    company = f.member(pitch.company, "owner")
    pilot = pilots.start_pilot(officer, pitch.id, budget="10000", starts_on=date.today() - timedelta(days=30),
                               ends_on=date.today() + timedelta(days=1), owner_id=officer.id)
    pilots.add_document(company, pilot.id, kind="signed_agreement", stream=io.BytesIO(b"%PDF-1.4 signed"),
                        filename="agreement.pdf")
    return pilot, officer, company


def test_a_stage_move_is_announced_to_both_sides_by_email(worker, smtp_sink, running_pilot):
    pilot, officer, company = running_pilot
    wait_for(lambda: len(smtp_sink.messages) == 2, message="the 'pilot started' emails")
    move_pilot(officer, pilot.id, "running")
    wait_for(lambda: len(smtp_sink.messages) == 4, message="the 'now running' emails")
    assert sorted(m["To"] for m in smtp_sink.messages[2:]) == sorted([officer.email, company.email])
    assert "Running" in smtp_sink.messages[2]["Subject"]


def test_the_end_date_passing_moves_the_pilot_to_evaluation_once(worker, smtp_sink, running_pilot):
    pilot, officer, company = running_pilot
    move_pilot(officer, pilot.id, "running")
    pilot = db.session.get(Pilot, pilot.id)
    pilot.ends_on = date.today() - timedelta(days=1)
    db.session.commit()
    celery = current_app.extensions["celery"]
    celery.send_task("pilots.advance_ended")
    celery.send_task("pilots.advance_ended")  # beat twice: still one move
    wait_for(lambda: db.session.get(Pilot, pilot.id).stage == "evaluation", message="the automatic move")
    wait_for(lambda: worker.output().count("pilots.advance_ended") >= 4, message="both runs")
    told = select(Notification).where(Notification.user_id == officer.id, Notification.title.like("%Evaluation%"))
    wait_for(lambda: len(db.session.scalars(told).all()) == 1, message="one notice to the owner")
    assert db.session.get(Pilot, pilot.id).stage_changes[-1].actor_id is None
