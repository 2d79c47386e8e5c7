"""What a company can still do with its pitch, for every challenge state and pitch status, and why not."""
from datetime import timedelta

import pytest
from flask_babel import force_locale

from marketplace.extensions import db
from marketplace.formatting import localtime
from marketplace.models import Pitch
from marketplace.services.clock import utcnow
from marketplace.services.errors import InvalidTransition, PitchDeadlinePassed
from marketplace.services.pitches import pitches
from marketplace.services.pitches.possibilities import pitch_possibilities

# (challenge status, pitch deadline in days from now): the states a company's pitch meets
STATES = {"open": ("published", 5), "deadline_reached": ("published", -1), "closed": ("closed", -1),
          "evaluating": ("evaluating", -1), "piloting": ("piloting", -9), "completed": ("completed", -30),
          "cancelled": ("cancelled", 5)}
PITCH_STATUSES = (None, "draft", "submitted", "withdrawn", "shortlisted", "not_selected", "selected")
# While open: (write, submit, withdraw) for each undecided pitch status
OPEN = {None: (True, False, False), "draft": (True, True, False), "submitted": (True, True, True),
        "withdrawn": (True, True, False)}
CLOSED_BY = {"deadline_reached": "deadline", "closed": "deadline", "evaluating": "evaluation",
             "piloting": "deadline", "completed": "deadline", "cancelled": "cancelled"}


@pytest.fixture
def company_member(f):
    return f.member(f.Company(), "member")


@pytest.mark.parametrize("status", PITCH_STATUSES)
@pytest.mark.parametrize("state", STATES)
def test_the_company_can_do_only_what_the_state_allows_and_is_told_why(f, company_member, state, status):
    challenge_status, days = STATES[state]
    challenge = f.Challenge(status=challenge_status, pitch_deadline=utcnow() + timedelta(days=days),
                            cancel_reason="The budget was withdrawn." if state == "cancelled" else None)
    pitch = None if status is None else Pitch(status=status)
    possible = pitch_possibilities(challenge, pitch, company_member)
    decided = status in ("shortlisted", "not_selected", "selected")
    if state == "cancelled":
        expected_cause = "cancelled"
    elif decided:
        expected_cause = "decided"
    else:
        expected_cause = CLOSED_BY.get(state)
    assert possible.closed_by == expected_cause
    if expected_cause is None:
        assert (possible.write, possible.submit, possible.withdraw) == OPEN[status] and possible.reason is None
        return
    assert not (possible.write or possible.submit or possible.withdraw)
    with force_locale("en"):
        reason, deadline = str(possible.reason), localtime(challenge.pitch_deadline)
    if expected_cause == "cancelled":
        assert reason.startswith("This challenge was cancelled: The budget was withdrawn.")
    elif expected_cause == "deadline":
        assert reason.startswith(f"The pitch deadline passed on {deadline}:")
    elif expected_cause == "evaluation":
        assert "under evaluation" in reason
    else:
        assert "sent its decision" in reason


def test_visitors_and_agencies_are_told_who_pitches(f):
    from flask_login import AnonymousUserMixin

    challenge = f.Challenge()
    assert pitch_possibilities(challenge, None, AnonymousUserMixin()).closed_by == "signed_out"
    assert pitch_possibilities(challenge, None, f.member(challenge.agency, "owner")).closed_by == "not_a_company"
    challenge.status, challenge.cancel_reason = "cancelled", "No money."
    db.session.commit()
    assert pitch_possibilities(challenge, None, AnonymousUserMixin()).closed_by == "cancelled"


FIELDS = {"title": "Two-way text reminders", "summary": "Patients answer by text.", "approach": "We send texts."}


def test_a_cancelled_challenge_refuses_changes_with_its_public_reason_not_a_deadline(f, company_member):
    challenge = f.Challenge()
    pitch = pitches.save_draft(company_member, challenge.slug, FIELDS)
    pitches.submit_pitch(company_member, pitch.id)
    challenge.status, challenge.cancel_reason = "cancelled", "The ward closed."
    db.session.commit()
    for attempt in (lambda: pitches.save_draft(company_member, challenge.slug, FIELDS),
                    lambda: pitches.withdraw_pitch(company_member, pitch.id)):
        with pytest.raises(InvalidTransition) as refused:
            attempt()
        assert "cancelled: The ward closed." in refused.value.message and "deadline" not in refused.value.message
    assert db.session.get(Pitch, pitch.id).status == "submitted"


def test_a_pitch_under_evaluation_cannot_be_withdrawn(f, company_member):
    challenge = f.Challenge()
    pitch = pitches.save_draft(company_member, challenge.slug, FIELDS)
    pitches.submit_pitch(company_member, pitch.id)
    challenge.status, challenge.pitch_deadline = "closed", utcnow() - timedelta(hours=1)
    db.session.commit()
    with pytest.raises(PitchDeadlinePassed, match="deadline passed on"):
        pitches.withdraw_pitch(company_member, pitch.id)
    challenge.status = "evaluating"
    db.session.commit()
    with pytest.raises(InvalidTransition, match="under evaluation"):
        pitches.withdraw_pitch(company_member, pitch.id)
