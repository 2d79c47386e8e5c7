"""The publisher's "Correct or extend" page: a refusal keeps what was typed; a notice shows dated on the challenge."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Challenge, ChallengeNotice
from marketplace.services.clock import utcnow


def _typed(page, name):
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)


def _shifted(local, **delta):
    return (datetime.strptime(local, "%Y-%m-%dT%H:%M") + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def published(client, login, f):
    challenge = f.Challenge(title="Fewer mised appointments")
    login(f.member(challenge.agency, "publisher"))
    form = client.get(f"/challenges/{challenge.slug}/correct").text
    data = {name: _typed(form, name) for name in ("version", "pitch_deadline", "question_deadline", "title",
                                                  "criteria-0-name", "criteria-0-weight", "criteria-1-name",
                                                  "criteria-1-weight", "budget_min", "budget_max")}
    for name in ("summary", "problem_statement", "context", "affected", "desired_outcomes", "constraints"):
        data[name] = getattr(challenge, name)
    return challenge, data


def test_a_deadline_brought_forward_is_refused_on_the_same_page_with_what_was_typed(client, published):
    challenge, data = published
    answer = client.post(f"/challenges/{challenge.slug}/correct", data={
        **data, "pitch_deadline": _shifted(data["pitch_deadline"], days=-3), "title": "Fewer missed appointments",
        "reason": "Sooner, and a typo fixed."})
    assert answer.status_code == 422
    assert "A deadline can be extended, never brought forward" in answer.text
    assert 'value="Fewer missed appointments"' in answer.text and "Sooner, and a typo fixed." in answer.text
    assert db.session.get(Challenge, challenge.id).title == "Fewer mised appointments"
    assert db.session.scalars(select(ChallengeNotice)).all() == []
    unchanged = client.post(f"/challenges/{challenge.slug}/correct", data={**data, "reason": "Nothing, really."})
    assert unchanged.status_code == 422 and "Nothing was changed: correct a text or extend a deadline." in unchanged.text


def test_an_extension_and_a_typo_show_as_a_dated_notice_to_every_visitor(app, client, published):
    challenge, data = published
    visitor = app.test_client()
    assert "Correct or extend" in client.get(f"/challenges/{challenge.slug}").text  # the publisher's way there
    assert "Notices of changes" not in visitor.get(f"/challenges/{challenge.slug}").text  # now kept for visitors
    answer = client.post(f"/challenges/{challenge.slug}/correct", data={
        **data, "pitch_deadline": _shifted(data["pitch_deadline"], days=7), "title": "Fewer missed appointments",
        "reason": "Two companies asked for more time."})
    assert answer.status_code == 302
    page = visitor.get(f"/challenges/{challenge.slug}").text
    notice = db.session.scalars(select(ChallengeNotice)).one()
    assert "Notices of changes" in page and "Two companies asked for more time." in page
    assert "Title corrected: “Fewer mised appointments” is now “Fewer missed appointments”." in page
    assert f'datetime="{notice.created_at.strftime("%Y-%m-%dT%H:%M:%S")}' in page
    assert "Pitch deadline: extended from" in page


def test_after_the_first_pitch_the_criteria_and_budget_are_shown_fixed_with_the_reason(client, published, f):
    challenge, data = published
    f.Pitch(challenge=challenge, company=f.Company(), status="submitted", submitted_at=utcnow())
    form = client.get(f"/challenges/{challenge.slug}/correct").text
    assert "treat the companies unequally" in form and 'name="criteria-0-weight"' not in form
    assert 'name="budget_min"' not in form
    # The text can still be corrected.
    answer = client.post(f"/challenges/{challenge.slug}/correct", data={
        **data, "title": "Fewer missed appointments", "reason": "Typo."})
    assert answer.status_code == 302
    assert db.session.get(Challenge, challenge.id).title == "Fewer missed appointments"


def test_a_closed_challenge_says_why_it_cannot_be_corrected(client, login, f):
    past = utcnow() - timedelta(days=1)
    challenge = f.Challenge(status="closed", pitch_deadline=past, question_deadline=past - timedelta(days=1),
                            closed_at=past)
    login(f.member(challenge.agency, "publisher"))
    form = client.get(f"/challenges/{challenge.slug}/correct").text
    assert "only while it is open for pitches" in form and 'name="reason"' not in form
    assert "Correct or extend" not in client.get(f"/challenges/{challenge.slug}").text
    answer = client.post(f"/challenges/{challenge.slug}/correct", data={"title": "New", "reason": "Why not."})
    assert answer.status_code == 409 and "only while it is open for pitches" in answer.text


def test_a_corrected_then_cancelled_challenge_keeps_its_notice_and_says_why_it_ended(app, client, published):
    challenge, data = published
    assert client.post(f"/challenges/{challenge.slug}/correct", data={
        **data, "title": "Fewer missed appointments", "reason": "A typo in the title."}).status_code == 302
    assert client.post(f"/challenges/{challenge.slug}/cancel",
                       data={"reason": "The hospital merged; the need is gone."}).status_code == 302
    page = app.test_client().get(f"/challenges/{challenge.slug}").text
    assert "The hospital merged; the need is gone." in page and "A typo in the title." in page
    assert "Correct or extend" not in client.get(f"/challenges/{challenge.slug}").text
    refused = client.post(f"/challenges/{challenge.slug}/correct", data={**data, "reason": "Once more."})
    assert refused.status_code == 409 and "only while it is open for pitches" in refused.text
    tags = [release["tag"] for release in client.get("/api/v1/ocds/releases").get_json()["releases"]]
    assert tags == [["tender"], ["tenderAmendment"], ["tenderCancellation"]], tags
    final = client.get("/api/v1/ocds/releases").get_json()["releases"][-1]
    assert final["tender"]["status"] == "cancelled" and final["tender"]["amendments"]


def test_texts_sent_back_by_a_browser_with_its_line_endings_are_no_correction(client, published):
    """A browser sends a textarea's lines ended by CR LF: the same text is not a change, neither in the notice nor
    in what is stored (only the extension is)."""
    challenge, data = published
    challenge.problem_statement = "Letters arrive late.\n\n* 12 % missed\n* 9 weeks' wait"
    db.session.commit()
    data["version"] = _typed(client.get(f"/challenges/{challenge.slug}/correct").text, "version")
    as_sent = {name: data[name].replace("\n", "\r\n") for name in ("summary", "context", "affected",
                                                                   "desired_outcomes", "constraints")}
    as_sent["problem_statement"] = challenge.problem_statement.replace("\n", "\r\n")
    answer = client.post(f"/challenges/{challenge.slug}/correct", data={
        **data, **as_sent, "pitch_deadline": _shifted(data["pitch_deadline"], days=7), "reason": "More time."})
    assert answer.status_code == 302
    notice = db.session.scalars(select(ChallengeNotice)).one()
    assert [change["field"] for change in notice.changes] == ["pitch_deadline"]
    stored = db.session.get(Challenge, challenge.id).problem_statement
    assert stored == "Letters arrive late.\n\n* 12 % missed\n* 9 weeks' wait"
    # A text stored as a browser sent it before lines were kept with LF alone is not corrected by being sent again.
    challenge = db.session.get(Challenge, challenge.id)
    challenge.problem_statement = as_sent["problem_statement"]
    db.session.commit()
    form = client.get(f"/challenges/{challenge.slug}/correct").text
    answer = client.post(f"/challenges/{challenge.slug}/correct", data={
        **data, **as_sent, "version": _typed(form, "version"),
        "pitch_deadline": _shifted(_typed(form, "pitch_deadline"), days=7), "reason": "Even more time."})
    assert answer.status_code == 302
    latest = db.session.scalars(select(ChallengeNotice).order_by(ChallengeNotice.id.desc())).first()
    assert [change["field"] for change in latest.changes] == ["pitch_deadline"]


def test_a_market_consultation_is_offered_no_criteria_to_correct(client, login, f):
    """It ranks nothing (lifecycle.ranks_pitches): its budget can be corrected, criteria are not offered, and
    criteria it was given before this rule (the factory gives some) are not changed by a correction either."""
    consultation, call = f.Challenge(kind="market_consultation", title="Fewer mised appointments"), f.Challenge()
    before = [(c.name, c.weight) for c in consultation.criteria]
    login(f.member(consultation.agency, "publisher"))
    page = client.get(f"/challenges/{consultation.slug}/correct").text
    assert 'name="budget_min"' in page and 'name="criteria-0-name"' not in page
    data = {name: _typed(page, name) for name in ("version", "pitch_deadline", "question_deadline", "budget_min",
                                                  "budget_max")}
    data.update({name: getattr(consultation, name) for name in (
        "summary", "problem_statement", "context", "affected", "desired_outcomes", "constraints")})
    answer = client.post(f"/challenges/{consultation.slug}/correct", data={
        **data, "title": "Fewer missed appointments", "reason": "A typo."})
    assert answer.status_code == 302
    db.session.expire_all()
    assert [(c.name, c.weight) for c in consultation.criteria] == before and before
    assert [change["field"] for change in db.session.scalars(select(ChallengeNotice)).one().changes] == ["title"]
    login(f.member(call.agency, "publisher"))
    assert 'name="criteria-0-name"' in client.get(f"/challenges/{call.slug}/correct").text
