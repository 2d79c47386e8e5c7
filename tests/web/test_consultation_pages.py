"""A market consultation's page, pitch form, pitch page and receipt say what a consultation is
(lifecycle.ranks_pitches): no pilot duration to expect, no pilot to price or plan, no decision to wait for."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Pitch
from marketplace.services.clock import utcnow
from tests.web.test_pitches import ABOUT, APPROACH, PILOT

EXPLAINED = "In a market consultation the agency reads the answers to learn what the market offers"
DECISION = "You will hear the agency’s decision"
# What only a call for solutions asks or shows about its pilot, and what a consultation's answer says instead.
PILOT_WORDS = ("Pilot: price, duration and team", "Pilot price", "Pilot duration", 'name="pilot_duration_weeks"')
ANSWER_WORDS = ("Indicative cost and team", "Indicative cost")


def _says(page, words):
    return [word for word in words if word in page]


@pytest.mark.parametrize("kind,consultation", [("market_consultation", True), ("call_for_solutions", False)])
def test_the_page_the_pitch_form_and_the_receipt_say_what_the_kind_is(client, login, f, kind, consultation):
    challenge = f.Challenge(kind=kind, pilot_duration_weeks=12, with_criteria=not consultation)
    page = client.get(f"/challenges/{challenge.slug}").text  # a visitor's
    assert ("Expected pilot duration" in page) is not consultation
    assert ("the pilot’s price" in page) is not consultation
    assert (EXPLAINED in page) is consultation
    company = f.Company()
    login(f.member(company, "member"))
    base = f"/challenges/{challenge.slug}/pitch"
    for step, data in (("about", ABOUT), ("approach", APPROACH)):
        client.post(f"{base}/{step}", data=data)
    third = "cost" if consultation else "pilot"  # the address says what the step asks
    step = client.get(f"{base}/{third}").text
    assert ("No pilot follows a market consultation" in step) is consultation
    assert 'name="pilot_price"' in step  # asked either way: an indicative cost is what a survey learns
    assert _says(step, PILOT_WORDS) == ([] if consultation else list(PILOT_WORDS))
    assert bool(_says(step, ANSWER_WORDS)) is consultation
    client.post(f"{base}/{third}", data=PILOT)  # a duration posted anyway (an old page) is not kept
    pitch = db.session.scalars(select(Pitch)).one()
    assert (pitch.pilot_price, pitch.pilot_duration_weeks) == (25000, None if consultation else 10)
    check = client.get(f"{base}/check").text
    assert bool(_says(check, PILOT_WORDS)) is not consultation and bool(_says(check, ANSWER_WORDS)) is consultation
    # About and the third step complete (a consultation's without a duration); the approach lacks its evidence.
    assert check.count("tag-step-completed") == 2 and check.count("tag-step-started") == 1
    assert client.post(f"/pitches/{pitch.id}/submit").status_code == 302
    receipt = client.get(f"/pitches/{pitch.id}/receipt").text
    assert (EXPLAINED in receipt) is consultation and (DECISION in receipt) is not consultation
    shown = client.get(f"/pitches/{pitch.id}").text  # the company's
    assert bool(_says(shown, PILOT_WORDS)) is not consultation and bool(_says(shown, ANSWER_WORDS)) is consultation

    # The agency, after the deadline, reads the consultation's answer as the company wrote it: no pilot in it, not
    # even a duration an answer kept from before (the page leaves it out).
    pitch.pilot_duration_weeks, challenge.status = 6, "closed"
    challenge.pitch_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    if consultation:
        login(f.member(challenge.agency, "owner"))
        shown = client.get(f"/pitches/{pitch.id}").text
        assert "25,000" in shown and _says(shown, PILOT_WORDS) == [] and "6 weeks" not in shown

