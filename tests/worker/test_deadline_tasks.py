"""Beat's deadline tasks through the real worker: sent twice, late, and still one email each."""
import time
from datetime import timedelta

import pytest
from flask import current_app

from marketplace.extensions import db
from marketplace.models import Challenge
from marketplace.services.organisations import companies
from marketplace.services.clock import utcnow

from .conftest import wait_for

pytestmark = pytest.mark.worker


def test_closing_and_reminding_twice_through_the_worker_send_one_email_each(worker, smtp_sink, f):
    closing = f.Challenge(pitch_deadline=utcnow() - timedelta(hours=2),  # beat was down for two hours
                          question_deadline=utcnow() - timedelta(days=10))
    publisher = f.member(closing.agency, "publisher")
    f.Pitch(challenge=closing, status="submitted")
    soon = f.Challenge(pitch_deadline=utcnow() + timedelta(hours=30), question_deadline=utcnow() - timedelta(days=1))
    drafter = f.member(f.Company(), "owner")
    follower = f.member(f.Company(), "owner")
    f.Pitch(challenge=soon, company=drafter.organisation, status="draft")
    companies.follow(follower, soon.slug)
    celery = current_app.extensions["celery"]
    for _ in range(2):
        celery.send_task("challenges.close_due")
        celery.send_task("challenges.deadline_reminders")
    wait_for(lambda: db.session.get(Challenge, closing.id).status == "closed", message="the challenge closing")
    wait_for(lambda: worker.output().count("challenges.deadline_reminders") >= 4, message="both reminder runs")
    expected = sorted([publisher.email, drafter.email, follower.email])
    wait_for(lambda: sorted(m["To"] for m in smtp_sink.messages) == expected,
             message=lambda: f"one email each, got {[m['To'] for m in smtp_sink.messages]}")
    time.sleep(1)  # nothing more trickles in from the second runs
    assert len(smtp_sink.messages) == 3
