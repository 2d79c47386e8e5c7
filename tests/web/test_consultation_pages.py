"""A market consultation's page, pitch form and receipt say what a consultation is (lifecycle.ranks_pitches):
no pilot duration to expect, no pilot price to quote, no decision to wait for."""
import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Pitch
from tests.web.test_pitches import ABOUT, APPROACH, PILOT

EXPLAINED = "In a market consultation the agency reads the answers to learn what the market offers"
DECISION = "You will hear the agency’s decision"


@pytest.mark.parametrize("kind,consultation", [("market_consultation", True), ("call_for_solutions", False)])
def test_the_page_the_pitch_form_and_the_receipt_say_what_the_kind_is(client, login, f, kind, consultation):
    challenge = f.Challenge(kind=kind, pilot_duration_weeks=12)
    page = client.get(f"/challenges/{challenge.slug}").text  # a visitor's
    assert ("Expected pilot duration" in page) is not consultation
    assert ("the pilot’s price" in page) is not consultation
    assert (EXPLAINED in page) is consultation
    login(f.member(f.Company(), "member"))
    base = f"/challenges/{challenge.slug}/pitch"
    for step, data in (("about", ABOUT), ("approach", APPROACH)):
        client.post(f"{base}/{step}", data=data)
    step = client.get(f"{base}/pilot").text
    assert ("A market consultation has no pilot." in step) is consultation
    assert 'name="pilot_price"' in step  # asked either way, optional: an indicative price is what a survey learns
    client.post(f"{base}/pilot", data=PILOT)
    pitch = db.session.scalars(select(Pitch)).one()
    assert pitch.pilot_duration_weeks == 10  # what was typed is kept
    assert client.post(f"/pitches/{pitch.id}/submit").status_code == 302
    receipt = client.get(f"/pitches/{pitch.id}/receipt").text
    assert (EXPLAINED in receipt) is consultation and (DECISION in receipt) is not consultation
