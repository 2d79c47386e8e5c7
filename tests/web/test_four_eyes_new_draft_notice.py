"""A new draft's notice names the next step the preview offers: publishing, or with four eyes asking for approval
(the preview of a four-eyes agency has no publish button; the notice sent the writer looking for one)."""
import pytest

from marketplace.extensions import db

DRAFT = {"kind": "market_consultation", "title": "What can sensors do for bridges?", "summary": "An overview.",
         "problem_statement": "Bridges age.", "pitch_deadline": "2031-01-15T17:00"}


@pytest.mark.parametrize("four_eyes, said", [
    (True, "Your draft is saved. Preview it, then ask for approval when it is ready."),
    (False, "Your draft is saved. Preview it, then publish it when it is ready."),
])
def test_the_saved_draft_notice_names_the_step_the_preview_offers(client, login, f, four_eyes, said):
    agency = f.Agency()
    agency.four_eyes_publishing = four_eyes
    db.session.commit()
    login(f.member(agency, "publisher"))
    page = client.post("/challenges/new", data=DRAFT, follow_redirects=True)
    assert page.status_code == 200 and said in page.text
    assert ("Ask for approval" in page.text) is four_eyes
