"""Four eyes on the draft's own pages: who sent it back and why, who asked, and what a save withdrew."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Challenge
from marketplace.services.challenges import challenges
from marketplace.services.clock import utcnow
from tests.statements import Statements

REASON = "The budget is missing its VAT. <b>Not bold</b>"


@pytest.fixture
def agency(f):
    agency = f.Agency()
    agency.four_eyes_publishing = True
    db.session.commit()
    return agency


@pytest.fixture
def people(f, agency):
    return {"asker": f.member(agency, "publisher"), "approver": f.member(agency, "publisher"),
            "officer": f.member(agency, "procurement_officer")}


@pytest.fixture
def draft(f, agency):
    return f.Challenge(agency=agency, status="draft", published_at=None)


def _form(**overrides):
    deadline = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    return {"kind": "call_for_solutions", "title": "Cleaner school air", "summary": "Classrooms are stuffy.",
            "problem_statement": "CO2 often above 1500 ppm.", "sectors": ["90"], "pitch_deadline": deadline,
            "criteria-0-name": "Fit", "criteria-0-weight": "100", "success_measures-0-measure": "CO2 level",
            "success_measures-0-baseline": "1500 ppm", "success_measures-0-target": "800 ppm", **overrides}


def _version(draft):
    return db.session.scalar(select(Challenge.version).where(Challenge.id == draft.id))


def test_the_draft_s_pages_say_who_sent_it_back_and_why_until_approval_is_asked_again(client, login, people, draft):
    slug, asker, approver = draft.slug, people["asker"], people["approver"]
    login(asker)
    client.post(f"/challenges/{slug}/request-approval")
    login(approver)
    assert client.post(f"/challenges/{slug}/send-back",
                       data={"reason": REASON, "version": _version(draft)}).status_code == 302
    said = f"Sent back by {approver.name} on"
    escaped = "The budget is missing its VAT. &lt;b&gt;Not bold&lt;/b&gt;"
    login(asker)  # the asker's notice leads to the preview; the edit page says it too
    for page in (f"/challenges/{slug}/preview", f"/challenges/{slug}/edit"):
        text = client.get(page).text
        assert said in text and escaped in text, page
    db.session.remove()  # a fresh session, as a server request has
    with Statements() as counted:
        client.get(f"/challenges/{slug}/preview")
    assert counted.count <= 5, counted.sql  # the send-back is one of them
    # Changed after the send-back: still the last word on the draft.
    assert client.post(f"/challenges/{slug}/edit", data=_form(version=_version(draft))).status_code == 302
    assert said in client.get(f"/challenges/{slug}/preview").text
    # Asked again: the send-back is answered, and no longer shown.
    client.post(f"/challenges/{slug}/request-approval")
    assert challenges.latest_send_back(db.session.get(Challenge, draft.id)) is None
    assert "Sent back by" not in client.get(f"/challenges/{slug}/preview").text
    assert "Sent back by" not in client.get(f"/challenges/{slug}/edit").text


def test_a_draft_never_sent_back_says_nothing_of_it(client, login, people, draft):
    login(people["asker"])
    assert "Sent back" not in client.get(f"/challenges/{draft.slug}/preview").text
    assert challenges.latest_send_back(draft) is None


def test_the_asker_reads_you_asked_and_a_colleague_hears_whose_request_a_save_withdraws(client, login, people,
                                                                                      draft):
    slug, asker, approver = draft.slug, people["asker"], people["approver"]
    login(asker)
    asked = client.post(f"/challenges/{slug}/request-approval", follow_redirects=True).text
    assert "A second publisher or your agency’s owner can now approve and publish the draft." in asked
    own = client.get(f"/challenges/{slug}/edit").text
    assert "You asked for approval on" in own and f"{asker.name} asked for approval" not in own
    login(approver)
    theirs = client.get(f"/challenges/{slug}/edit").text
    assert f"{asker.name} asked for approval on" in theirs and f"{asker.name} is told" in theirs
    saved = client.post(f"/challenges/{slug}/edit", data=_form(version=_version(draft)), follow_redirects=True)
    assert (f"Your draft is saved. The request for approval is withdrawn, and {asker.name}, who asked for it, is "
            f"told.") in saved.text
    # The asker's own save withdraws their own request, and says so.
    login(asker)
    client.post(f"/challenges/{slug}/request-approval")
    saved = client.post(f"/challenges/{slug}/edit", data=_form(version=_version(draft)), follow_redirects=True)
    assert "Your request for approval is withdrawn: ask for approval again" in saved.text
    # Nothing asked: the plain message.
    saved = client.post(f"/challenges/{slug}/edit", data=_form(version=_version(draft)), follow_redirects=True)
    assert "Your draft is saved." in saved.text and "withdrawn" not in saved.text


def test_a_stale_approve_says_the_request_was_withdrawn_and_by_whom_not_that_nobody_asked(client, login, people,
                                                                                         draft, f):
    """Found walking the demo: the approver's preview was opened while approval was asked; a save withdrew the
    request; the stale Approve says so, with who changed the draft, and publishes nothing."""
    slug, asker, approver = draft.slug, people["asker"], people["approver"]
    login(asker)
    client.post(f"/challenges/{slug}/request-approval")
    editor = f.member(draft.agency, "publisher", name="Edith Editor")
    login(editor)
    assert client.post(f"/challenges/{slug}/edit", data=_form(version=_version(draft))).status_code == 302
    login(approver)
    answer = client.post(f"/challenges/{slug}/approve", data={"version": _version(draft)})
    assert answer.status_code == 409 and "Nobody has asked" not in answer.text
    assert "The request for approval was withdrawn: Edith Editor changed the draft on" in answer.text
    assert db.session.get(Challenge, draft.id).published_at is None
    login(editor)  # never asked at all: that is what is said
    never = f.Challenge(agency=draft.agency, status="draft", published_at=None)
    assert "Nobody has asked for this draft to be approved." in client.post(f"/challenges/{never.slug}/approve").text
