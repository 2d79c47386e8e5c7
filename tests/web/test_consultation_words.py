"""A market consultation's answers are called answers (pitches/wording.py), on the pages, in the notices and emails,
and its third step's address says what it asks (`/pitch/cost`, the old `/pitch/pilot` leading there); a call for
solutions keeps its pitches. A challenge never published is headed as having had none; a draft's cancellation
reason is not called public."""
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import EmailDelivery, Notification, Pitch
from marketplace.services.challenges import deadlines
from marketplace.services.matching import matching
from marketplace.services.clock import utcnow
from marketplace.services.messaging.outbox import process_pending
from tests.web.test_pitches import ABOUT, APPROACH, PILOT

CONSULTATION = {"kind": "market_consultation", "pilot_duration_weeks": None, "with_criteria": False}
# What a company reads about its pitch to a call for solutions, and what it reads instead for a consultation.
PITCH_WORDS = ("Your pitch", "Submit your pitch", "Submit pitch", "Only your company can see this pitch")
ANSWER_WORDS = ("Your answer", "Submit your answer", "Submit answer", "Only your company can see this answer")


def _written(client, challenge, third):
    base = f"/challenges/{challenge.slug}/pitch"
    for step, data in (("about", ABOUT), ("approach", APPROACH), (third, PILOT)):
        assert client.post(f"{base}/{step}", data=data).status_code == 302
    return db.session.scalars(select(Pitch)).one()


@pytest.mark.parametrize("consultation", (True, False))
def test_a_consultation_s_answer_is_called_an_answer_on_its_pages_and_receipt(client, login, f, consultation):
    challenge = f.Challenge(**(CONSULTATION if consultation else {}))
    company = f.Company()
    login(f.member(company, "member"))
    assert ("Write an answer" in client.get(f"/challenges/{challenge.slug}").text) is consultation
    pitch = _written(client, challenge, "cost" if consultation else "pilot")
    check = client.get(f"/challenges/{challenge.slug}/pitch/check").text
    said, not_said = (ANSWER_WORDS, PITCH_WORDS) if consultation else (PITCH_WORDS, ANSWER_WORDS)
    assert [w for w in said if w not in check] == [] and [w for w in not_said if w in check] == []
    assert ("Continue your draft answer" in client.get(f"/challenges/{challenge.slug}").text) is consultation
    assert client.post(f"/pitches/{pitch.id}/submit").status_code == 302
    receipt = client.get(f"/pitches/{pitch.id}/receipt").text
    assert ("Receipt for your answer" in receipt) is consultation and ("Receipt for your pitch" in receipt) is not consultation
    assert ("Your answer was received on" in client.get(f"/challenges/{challenge.slug}").text) is consultation
    withdraw = client.get(f"/pitches/{pitch.id}/withdraw").text
    assert ("Withdraw your answer?" in withdraw) is consultation and ("Withdraw your pitch?" in withdraw) is not consultation
    dashboard = client.get("/dashboard").text
    assert ("Your answers" in dashboard) is consultation and ("Your pitches" in dashboard) is not consultation

    # The receipt's email, in French too: its subject says what was submitted.
    process_pending()
    subject = db.session.scalars(select(EmailDelivery.subject)).first()
    assert ("your answer to" in subject) is consultation and ("your pitch for" in subject) is not consultation


def test_a_consultation_s_answers_are_answers_for_the_agency_and_in_the_notices(client, login, f):
    challenge = f.Challenge(**CONSULTATION, pitch_deadline=utcnow() + timedelta(hours=20))
    company = f.Company()
    writer = f.member(company, "member")
    f.Pitch(challenge=challenge, company=company, pilot_duration_weeks=None)
    assert deadlines.send_deadline_reminders() == 1
    reminder = db.session.scalars(select(Notification).where(Notification.user_id == writer.id)).one()
    assert reminder.title.startswith("Answers to “") and "answer is still a draft" in reminder.body
    with force_locale("fr"):  # kept as its message, so the inbox says it again in the reader's language
        assert reminder.title_message["args"] == ["Answers to “%(title)s” close within 48 hours"]
    owner = f.member(challenge.agency, "owner")
    challenge.status, challenge.pitch_deadline = "closed", utcnow() - timedelta(minutes=1)
    db.session.commit()
    login(owner)
    page = client.get(f"/challenges/{challenge.slug}/pitches").text
    assert "<h1>Answers received</h1>" in page and "Pitches received" not in page
    assert "Answers received" in client.get(f"/challenges/{challenge.slug}").text


def test_a_consultation_s_third_step_is_at_cost_and_its_old_address_leads_there(client, login, f):
    consultation, call = f.Challenge(**CONSULTATION), f.Challenge()
    login(f.member(f.Company(), "member"))
    base = f"/challenges/{consultation.slug}/pitch"
    client.post(f"{base}/about", data=ABOUT)
    moved = client.post(f"{base}/approach", data=APPROACH)  # "Save and continue" leads to the new address
    assert moved.headers["Location"].endswith(f"{base}/cost")
    step = client.get(f"{base}/cost")
    assert step.status_code == 200 and f'href="{base}/cost"' in step.text and f'href="{base}/pilot"' not in step.text
    old = client.get(f"{base}/pilot")  # a bookmark, an email from before
    assert old.status_code == 301 and old.headers["Location"].endswith(f"{base}/cost")
    posted = client.post(f"{base}/pilot", data=PILOT)  # a page open from before: posted again where it now is
    assert posted.status_code == 308 and posted.headers["Location"].endswith(f"{base}/cost")
    assert client.post(f"{base}/cost", data=PILOT).status_code == 302
    assert db.session.scalars(select(Pitch.team)).one() == PILOT["team"]
    # A call for solutions keeps its pilot step: `/pitch/cost` leads to it.
    other = f"/challenges/{call.slug}/pitch"
    assert client.get(f"{other}/pilot").status_code == 200
    assert client.get(f"{other}/cost").headers["Location"].endswith(f"{other}/pilot")


@pytest.mark.parametrize("language", ("en", "fr"))
def test_a_never_published_challenge_s_pitches_page_is_headed_as_having_had_none(client, login, f, language):
    challenge = f.Challenge(status="cancelled", published_at=None, cancel_reason="Budget withdrawn.")
    login(f.member(challenge.agency, "owner", locale=language))
    page = client.get(f"/challenges/{challenge.slug}/pitches")
    assert page.status_code == 200
    with force_locale(language):
        heading, received = gettext("No pitches: never published"), gettext("Pitches received")
    assert f"<h1>{heading}</h1>" in page.text and received not in page.text


@pytest.mark.parametrize("draft", (True, False))
def test_cancelling_a_draft_does_not_call_its_reason_public(client, login, f, draft):
    challenge = f.Challenge(**({"status": "draft", "published_at": None} if draft else {}))
    login(f.member(challenge.agency, "owner"))
    form = client.get(f"/challenges/{challenge.slug}/cancel").text
    refused = client.post(f"/challenges/{challenge.slug}/cancel", data={"reason": ""})
    assert refused.status_code == 422
    public = ("the reason is public", "shown on the challenge page to everyone", "Companies that pitched")
    if draft:
        assert [w for w in public if w in form + refused.text] == []
        assert "only your agency reads the reason" in refused.text and "no company is told" in form
    else:
        assert "the reason is public" in refused.text and "shown on the challenge page to everyone" in form
    done = client.post(f"/challenges/{challenge.slug}/cancel", data={"reason": "Merged with another."},
                       follow_redirects=True).text
    assert ("The draft is cancelled" in done) is draft and ("The reason is shown on its page" in done) is not draft


@pytest.mark.parametrize("consultation", (True, False))
def test_an_invitation_to_a_consultation_invites_to_answer(f, consultation):
    challenge = f.Challenge(**(CONSULTATION if consultation else {}))
    company = f.Company()
    member = f.member(company, "member")
    matching.invite_to_pitch(f.member(challenge.agency, "owner"), challenge, company.id)
    process_pending()
    notice = db.session.scalars(select(Notification).where(Notification.user_id == member.id)).one()
    email = db.session.scalars(select(EmailDelivery).where(EmailDelivery.to_address == member.email)).one()
    assert (" to answer: " in notice.title) is consultation and (" to pitch: " in notice.title) is not consultation
    assert ("to answer this market consultation:" in email.body_text) is consultation
    assert ("to pitch for this challenge:" in email.body_html) is not consultation
