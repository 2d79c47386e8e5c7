"""Evaluation pages: blind scoring sheet, declarations, ranking, decisions, pitch sessions and the audit trail."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import ConflictDeclaration, Pitch, PitchAssessment, PitchSessionSlot, Score
from marketplace.services.evaluation import evaluation, pitch_sessions
from marketplace.services.clock import utcnow


@pytest.fixture
def closed(f):
    challenge = f.Challenge(status="closed", pitch_deadline=utcnow() - timedelta(days=1))
    pitches = [f.Pitch(challenge=challenge, status="submitted", company=f.Company(name=f"Hidden Firm {i}"),
                       team=f"Jane Doe of Hidden Firm {i}") for i in range(2)]
    people = {
        "officer": f.member(challenge.agency, "procurement_officer"),
        "owner": f.member(challenge.agency, "owner"),
        "alice": f.member(challenge.agency, "evaluator"),
        "publisher": f.member(challenge.agency, "publisher"),
        "company": f.member(pitches[0].company, "owner"),
        "stranger": f.member(f.Agency(), "procurement_officer"),
    }
    return challenge, pitches, people


def test_the_officer_starts_and_the_evaluator_declares_then_scores_blind(client, login, closed):
    challenge, pitches, people = closed
    login(people["officer"])
    assert client.post(f"/challenges/{challenge.slug}/evaluation/start").status_code == 302
    # The officer sits on the panel: no ranking (its pitch titles and scores) before declaring, and the page says so.
    overview = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert "Record my declaration" in overview and "come after your declaration" in overview
    assert pitches[0].title not in overview and "Finalise the evaluation" not in overview
    sheet = client.get(f"/challenges/{challenge.slug}/evaluation/scores")
    assert sheet.status_code == 403 and "Declare your conflicts of interest first" in sheet.text
    assert "You cannot read the pitches yet" in sheet.text  # the scoring sheet holds them all, not "this pitch"
    assert f'href="/challenges/{challenge.slug}/evaluation"' in sheet.text  # the way to the declaration
    login(people["alice"])
    page = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert "conflict of interest" in page
    assert client.get(f"/challenges/{challenge.slug}/evaluation/scores").status_code == 403
    missing = client.post(f"/challenges/{challenge.slug}/evaluation/declaration", data={})
    assert missing.status_code == 422 and "Answer yes or no" in missing.text
    assert client.post(f"/challenges/{challenge.slug}/evaluation/declaration",
                       data={"conflicted": "no"}).status_code == 302
    sheet = client.get(f"/challenges/{challenge.slug}/evaluation/scores").text
    assert "Pitch A" in sheet and "Pitch B" in sheet and "<title>Score the pitches" in sheet
    assert "Hidden Firm" not in sheet and "Jane Doe" not in sheet
    assessment = db.session.scalars(select(PitchAssessment).order_by(PitchAssessment.label)).first()
    first, second = challenge.criteria
    bad = client.post(f"/challenges/{challenge.slug}/evaluation/scores", data={
        "assessment_id": assessment.id, f"score-{first.id}": "4", f"score-{second.id}": "<script>"})
    assert bad.status_code == 422 and "whole number" in bad.text
    assert db.session.scalar(select(Score.id)) is None
    good = client.post(f"/challenges/{challenge.slug}/evaluation/scores", data={
        "assessment_id": assessment.id, f"score-{first.id}": "4", f"comment-{first.id}": "Clear.",
        f"score-{second.id}": "3"})
    assert good.status_code == 302
    assert sorted(s.score for s in db.session.scalars(select(Score))) == [3, 4]


def test_a_recused_evaluator_sees_no_pitches(client, login, closed):
    challenge, _, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    login(people["alice"])
    response = client.post(f"/challenges/{challenge.slug}/evaluation/declaration",
                           data={"conflicted": "yes", "note": ""})
    assert response.status_code == 422 and "what the conflict of interest is" in response.text
    client.post(f"/challenges/{challenge.slug}/evaluation/declaration",
                data={"conflicted": "yes", "note": "My former employer."})
    assert db.session.scalar(select(ConflictDeclaration.conflicted)) is True
    assert client.get(f"/challenges/{challenge.slug}/evaluation/scores").status_code == 403


def test_an_evaluator_who_declared_no_conflict_can_still_step_aside_from_the_page(client, login, closed):
    import re

    challenge, _, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    login(people["alice"])
    client.post(f"/challenges/{challenge.slug}/evaluation/declaration", data={"conflicted": "no"})
    page = client.get(f"/challenges/{challenge.slug}/evaluation").text
    form = re.search(r'<details>.*?</details>', page, re.S).group(0)
    assert "I have found a conflict of interest since" in form and 'name="conflicted" value="yes"' in form
    refused = client.post(f"/challenges/{challenge.slug}/evaluation/declaration", data={"conflicted": "yes", "note": ""})
    assert refused.status_code == 422 and "what the conflict of interest is" in refused.text
    assert "<details open>" in refused.text  # the refusal answers in the open form
    client.post(f"/challenges/{challenge.slug}/evaluation/declaration",
                data={"conflicted": "yes", "note": "My brother founded Hidden Firm 1."})
    assert db.session.scalar(select(ConflictDeclaration.conflicted)) is True
    assert client.get(f"/challenges/{challenge.slug}/evaluation/scores").status_code == 403
    assert "You are recused" in client.get(f"/challenges/{challenge.slug}/evaluation").text


@pytest.mark.parametrize("who,status", [("publisher", 200), ("company", 404), ("stranger", 404)])
def test_who_may_open_the_evaluation(client, login, closed, who, status):
    challenge, _, people = closed
    login(people[who])
    assert client.get(f"/challenges/{challenge.slug}/evaluation").status_code == status
    assert client.post(f"/challenges/{challenge.slug}/evaluation/start").status_code in (403, 404)
    assert challenge.status == "closed"


def _scored_and_finalised(challenge, people):
    evaluation.start_evaluation(people["officer"], challenge.id)
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=False)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    for view in evaluation.assessments(people["alice"], challenge.id):
        evaluation.score_sheet(people["alice"], view["assessment_id"],
                               {c.id: ("3", "Solid but costly.") for c in challenge.criteria})
    evaluation.finalise_evaluation(people["officer"], challenge.id)


def _decide(client, challenge, row, **fields):
    return client.post(f"/challenges/{challenge.slug}/evaluation/decisions/{row.id}",
                       data={f"a{row.id}-{name}": value for name, value in fields.items()})


def test_each_decision_is_opened_its_feedback_drafted_from_comments_and_confirmed(client, login, closed):
    challenge, pitches, people = closed
    _scored_and_finalised(challenge, people)
    login(people["officer"])
    rows = db.session.scalars(select(PitchAssessment).order_by(PitchAssessment.label)).all()
    page = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert "Hidden Firm" in page and "Decide and write feedback" in page  # names revealed
    assert "Solid but costly." not in page  # the feedback is written on each pitch's page, not pasted here
    sheet = client.get(f"/challenges/{challenge.slug}/evaluation/decisions/{rows[0].id}").text
    assert "What the evaluators wrote" in sheet and "- Solid but costly." in sheet  # the draft, per criterion
    assert "not confirmed yet" in sheet
    refused = _decide(client, challenge, rows[0], decision="not_selected", feedback="")
    assert refused.status_code == 422 and "say why" in refused.text
    assert "What the evaluators wrote" in refused.text  # the same page again
    assert _decide(client, challenge, rows[0], decision="not_selected", feedback="Too costly.",
                   confirmed="y").status_code == 302
    assert rows[0].feedback_confirmed_at is not None
    _decide(client, challenge, rows[1], decision="shortlisted", feedback="")
    assert client.post(f"/challenges/{challenge.slug}/evaluation/publish").status_code == 302
    assert {db.session.get(Pitch, r.pitch_id).status for r in rows} == {"not_selected", "shortlisted"}
    assert "Shortlist sent on" in client.get(f"/challenges/{challenge.slug}/evaluation").text


def test_sending_with_an_undecided_pitch_or_unconfirmed_feedback_answers_on_the_page(client, login, closed):
    challenge, pitches, people = closed
    _scored_and_finalised(challenge, people)
    login(people["officer"])
    rows = db.session.scalars(select(PitchAssessment).order_by(PitchAssessment.label)).all()
    page = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert "Not yet possible" in page and "Decide on every pitch first: A, B." in page  # shown, not a button
    refused = client.post(f"/challenges/{challenge.slug}/evaluation/publish")
    assert refused.status_code == 409 and "There is a problem" in refused.text
    assert "Decide on every pitch first: A, B." in refused.text
    _decide(client, challenge, rows[0], decision="selected", feedback="Good value.")
    _decide(client, challenge, rows[1], decision="not_selected", feedback="Too costly.")
    refused = client.post(f"/challenges/{challenge.slug}/evaluation/publish")
    assert refused.status_code == 409 and "Open and confirm the feedback of each company told now: A, B." in \
        refused.text
    assert {db.session.get(Pitch, r.pitch_id).status for r in rows} == {"submitted"}


def test_a_refused_decision_keeps_what_was_typed(client, login, closed):
    challenge, pitches, people = closed
    _scored_and_finalised(challenge, people)
    row = db.session.scalars(select(PitchAssessment).order_by(PitchAssessment.label)).first()
    evaluation.decide(people["officer"], row.id, decision="shortlisted")
    for other in db.session.scalars(select(PitchAssessment).where(PitchAssessment.id != row.id)):
        evaluation.decide(people["officer"], other.id, decision="not_selected", feedback="No.", confirmed=True)
    evaluation.publish_decisions(people["officer"], challenge.id)
    login(people["officer"])
    overview = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert "Decide and write feedback" in overview and "Read the decision" in overview  # the other one was told
    assert "Sent: Not selected" in overview and "Sent: Shortlisted" in overview
    sheet = client.get(f"/challenges/{challenge.slug}/evaluation/decisions/{row.id}").text
    assert 'value="shortlisted"' not in sheet and 'value="selected"' in sheet  # round 2: final choices only
    refused = _decide(client, challenge, row, decision="shortlisted", feedback="My careful words.", confirmed="y")
    assert refused.status_code == 422 and "choose selected or not selected" in refused.text
    assert "My careful words." in refused.text
    assert row.decision == "shortlisted" and row.feedback_confirmed_at is None


def test_slots_offered_and_picked(client, login, closed):
    challenge, pitches, people = closed
    _scored_and_finalised(challenge, people)
    for row in db.session.scalars(select(PitchAssessment)):
        evaluation.decide(people["officer"], row.id, decision="shortlisted")
    evaluation.publish_decisions(people["officer"], challenge.id)
    assert evaluation.evaluation_of(challenge).decisions_published_at is None  # the shortlist is not final
    login(people["officer"])
    bad = client.post(f"/challenges/{challenge.slug}/evaluation/slots", data={
        "starts_at": "2000-01-01T10:00", "ends_at": "2000-01-01T10:30", "mode": "online", "link": "ftp://x"})
    assert bad.status_code == 422 and "must start in the future" in bad.text
    start = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    end = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT10:45")
    assert client.post(f"/challenges/{challenge.slug}/evaluation/slots", data={
        "starts_at": start, "ends_at": end, "mode": "in_person", "address": "Rue Royale 1, Brussels"}
    ).status_code == 302
    slot = db.session.scalars(select(PitchSessionSlot)).one()
    assert slot.starts_at.strftime("%H:%M") == "09:00"  # 10:00 in Brussels (winter) is 09:00 UTC
    login(people["company"])
    page = client.get(f"/pitches/{pitches[0].id}/session").text
    assert "Rue Royale 1" in page and "10:00–10:45" in page  # the day said once
    assert client.post(f"/pitches/{pitches[0].id}/session", data={"slot_id": slot.id}).status_code == 302
    assert pitch_sessions.booked_slot(pitches[0]).id == slot.id
    assert client.get(f"/pitches/{pitches[1].id}/session").status_code == 404
    page = client.get(f"/pitches/{pitches[0].id}/session").text
    assert f"/sessions/{slot.id}.ics" in page
    # Booked: the page names the session rather than asking to pick one, and leads back to the pitch.
    assert "<h1>Your pitch session</h1>" in page and f'href="/pitches/{pitches[0].id}"' in page
    ics = client.get(f"/sessions/{slot.id}.ics")
    assert ics.mimetype == "text/calendar" and b"Rue Royale 1" in ics.data
    for who, status in (("alice", 200), ("officer", 200), ("publisher", 404), ("stranger", 404)):
        login(people[who])
        assert client.get(f"/sessions/{slot.id}.ics").status_code == status, who
    login(people["alice"])  # the evaluator sees the booked session on the evaluation page
    assert f"/sessions/{slot.id}.ics" in client.get(f"/challenges/{challenge.slug}/evaluation").text


def test_audit_trail_page_and_csv_for_the_owner_and_officers_only(client, login, closed):
    challenge, _, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    started = f"{people['officer'].name} started the evaluation of “{challenge.title}”."
    for who in ("owner", "officer"):
        login(people[who])
        page = client.get(f"/challenges/{challenge.slug}/audit")
        assert page.status_code == 200 and started in page.text
        assert "challenge.evaluation_started" not in page.text  # sentences, not codes
        exported = client.get(f"/challenges/{challenge.slug}/audit.csv")
        assert exported.mimetype == "text/csv" and "challenge.evaluation_started" in exported.text
        assert started in exported.text
    for who in ("company", "stranger"):
        login(people[who])
        assert client.get(f"/challenges/{challenge.slug}/audit").status_code == 404
        assert client.get(f"/challenges/{challenge.slug}/audit.csv").status_code == 404


def test_the_company_reads_its_feedback_on_its_pitch_page(client, login, closed):
    challenge, pitches, people = closed
    _scored_and_finalised(challenge, people)
    for row in db.session.scalars(select(PitchAssessment)):
        evaluation.decide(people["officer"], row.id, decision="not_selected", feedback=f"Dear {row.label}: costly.",
                          confirmed=True)
    login(people["company"])
    assert "The agency’s decision" not in client.get(f"/pitches/{pitches[0].id}").text  # not sent yet
    evaluation.publish_decisions(people["officer"], challenge.id)
    label = db.session.scalar(select(PitchAssessment.label).where(PitchAssessment.pitch_id == pitches[0].id))
    page = client.get(f"/pitches/{pitches[0].id}").text
    assert "Your pitch was not selected." in page and f"Dear {label}: costly." in page
    other = "B" if label == "A" else "A"
    assert f"Dear {other}" not in page


def test_scores_sent_after_the_evaluation_was_finalised_are_shown_back_with_the_reason(client, login, closed):
    challenge, pitches, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    login(people["alice"])
    sheet = client.get(f"/challenges/{challenge.slug}/evaluation/scores")  # the sheet open in Alice's browser…
    assert sheet.status_code == 200
    assessment = db.session.scalars(select(PitchAssessment).order_by(PitchAssessment.label)).first()
    first, second = challenge.criteria
    evaluation.score_sheet(people["alice"], assessment.id, {first.id: ("3", "Fine."), second.id: ("3", "")})
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=False)
    evaluation.finalise_evaluation(people["officer"], challenge.id)  # …while the officer finalises
    late = client.post(f"/challenges/{challenge.slug}/evaluation/scores", data={
        "assessment_id": assessment.id, f"score-{first.id}": "4", f"comment-{first.id}": "Strong evidence from Ghent.",
        f"score-{second.id}": "2"})
    assert late.status_code in (403, 409)
    assert "Your scores were not saved" in late.text and "Strong evidence from Ghent." in late.text
    assert 'class="error-summary"' in late.text
    assert sorted((s.score, s.comment) for s in db.session.scalars(select(Score))) == [(3, ""), (3, "Fine.")]


def test_a_recused_panel_member_gets_one_answer_on_the_pitch_score_and_decision_pages(client, login, closed):
    import re

    challenge, pitches, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=True, note="My brother's firm.")
    # An evaluator too: the decision page is not theirs anyway, but they were told 'not allowed … the home page'.
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=True, note="I worked there.")
    assessment = db.session.scalar(select(PitchAssessment).where(PitchAssessment.pitch_id == pitches[0].id))
    for who in ("officer", "alice"):
        login(people[who])
        decision = f"/challenges/{challenge.slug}/evaluation/decisions/{assessment.id}"
        answers = [client.get(url) for url in (f"/pitches/{pitches[0].id}",
                                               f"/challenges/{challenge.slug}/evaluation/scores", decision)]
        answers.append(client.post(decision, data={f"a{assessment.id}-decision": "selected"}))
        assert [a.status_code for a in answers] == [403, 403, 403, 403]
        mains = {re.search(r"<main.*</main>", a.text, re.S).group(0) for a in answers}
        assert len(mains) == 1  # the same page, word for word
        main = mains.pop()
        assert "You are recused" in main and f'href="/challenges/{challenge.slug}/evaluation"' in main
        assert "Go to the home page" not in main


def test_a_recused_officer_is_told_who_finalises_instead_and_cannot_finalise(client, login, f, closed):
    challenge, pitches, people = closed
    people["owner"].name, people["alice"].name = "Olivia Owner", "Alice Evaluator"
    second = f.member(challenge.agency, "procurement_officer")
    second.name = "Paul Second"
    evaluation.start_evaluation(people["officer"], challenge.id)
    evaluation.declare_conflict(second, challenge.id, conflicted=True, note="Worked there.")  # recused too: not named
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=True, note="My brother's firm.")
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    db.session.add(Score(challenge_id=challenge.id, pitch_id=pitches[0].id, criterion_id=challenge.criteria[0].id,
                         evaluator_id=people["alice"].id, score=4))
    db.session.commit()
    login(people["officer"])
    page = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert "Olivia Owner (Owner)" in page and "Paul Second" not in page and "Alice Evaluator" not in page
    assert "follow its progress" in page and f"/challenges/{challenge.slug}/audit" in page
    assert "Finalise the evaluation" not in page
    refused = client.post(f"/challenges/{challenge.slug}/evaluation/finalise")
    assert refused.status_code == 403 and "You are recused" in refused.text
    assert evaluation.evaluation_of(challenge).finalised_at is None


def test_a_recused_officer_neither_sees_who_booked_a_pitch_session_nor_offers_one(client, login, f, closed):
    challenge, pitches, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    pitches[0].status = "shortlisted"
    start = utcnow() + timedelta(days=4)
    db.session.add(PitchSessionSlot(challenge_id=challenge.id, starts_at=start, ends_at=start + timedelta(hours=1),
                                    mode="online", link="https://meet.example.org/a", pitch_id=pitches[0].id,
                                    booked_at=utcnow()))
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=True, note="My brother's firm.")
    login(people["owner"])
    assert "booked by Hidden Firm 0" in client.get(f"/challenges/{challenge.slug}/evaluation").text
    login(people["officer"])
    page = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert "Hidden Firm" not in page and "Offer this slot" not in page
    later = utcnow() + timedelta(days=6)
    refused = client.post(f"/challenges/{challenge.slug}/evaluation/slots", data={
        "starts_at": later.strftime("%Y-%m-%dT%H:%M"), "ends_at": (later + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "mode": "online", "link": "https://meet.example.org/b"})
    assert refused.status_code == 403 and "You are recused" in refused.text
    assert db.session.scalar(select(func.count(PitchSessionSlot.id))) == 1


def test_finalising_is_shown_unavailable_with_its_reason_until_someone_whose_scores_count_has_scored(
        client, login, closed):
    challenge, pitches, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=True, note="Worked there.")
    login(people["owner"])
    page = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert "No scores yet: at least one evaluator must score before you finalise." in page
    assert f"/challenges/{challenge.slug}/evaluation/finalise" not in page and "disabled" in page
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=False)
    db.session.add(Score(challenge_id=challenge.id, pitch_id=pitches[0].id, criterion_id=challenge.criteria[0].id,
                         evaluator_id=people["officer"].id, score=4))
    db.session.commit()
    page = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert "No scores yet" not in page and f"/challenges/{challenge.slug}/evaluation/finalise" in page


def test_a_labelled_pitch_is_named_as_the_language_writes_it(client, login, closed):
    """'Pitch A' and its title were joined by a colon outside the message: French wants a space before it."""
    challenge, pitches, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    people["alice"].locale = "fr"
    db.session.commit()
    login(people["alice"])
    label = db.session.scalar(select(PitchAssessment.label).where(PitchAssessment.pitch_id == pitches[0].id))
    page = client.get(f"/pitches/{pitches[0].id}").text
    assert f"<h1>Proposition {label} : {pitches[0].title}</h1>" in page
    sheet = client.get(f"/challenges/{challenge.slug}/evaluation/scores").text  # the scoring sheet too
    assert f"<h2>Proposition {label} : {pitches[0].title}</h2>" in sheet


def test_slots_offered_before_the_shortlist_say_when_companies_can_book_them(client, login, closed):
    challenge, _, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=False)  # on the panel: declared first
    login(people["officer"])
    before = "the companies can book one once you have sent the shortlist"
    assert before in client.get(f"/challenges/{challenge.slug}/evaluation").text
    current = evaluation.evaluation_of(challenge)
    current.finalised_at = current.shortlist_sent_at = utcnow()
    db.session.commit()
    assert before not in client.get(f"/challenges/{challenge.slug}/evaluation").text


def test_a_shortlisted_company_whose_challenge_is_cancelled_is_not_invited_to_a_session_any_more(
        client, login, closed):
    from marketplace.services.challenges import challenges

    challenge, pitches, people = closed
    _shortlisted_and_booked(challenge, pitches, people)
    challenges.cancel_challenge(people["publisher"], challenge.slug, "The region took the contract back.")
    login(people["company"])
    session = client.get(f"/pitches/{pitches[0].id}/session").text
    assert "its pitch sessions no longer take place" in session and "does not take place" in session
    assert "The region took the contract back." in session and "/sessions/" not in session
    pitch = client.get(f"/pitches/{pitches[0].id}").text
    assert "then the challenge was cancelled" in pitch and f"/pitches/{pitches[0].id}/session" not in pitch
    login(people["officer"])  # the panel's list of sessions says the same, and offers none for its calendar
    overview = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert "booked by Hidden Firm 0 – called off" in overview and "/sessions/" not in overview


def test_the_score_sheet_before_the_evaluation_starts_says_why_and_where_to_go(client, login, closed):
    """Found walking: the sheet opened before the start answered 409 "That changed in the meantime"; nothing had
    changed, the evaluation had not started. It answers as the pitch pages do: why, and the way to the evaluation."""
    challenge, _, people = closed
    login(people["alice"])
    sheet = client.get(f"/challenges/{challenge.slug}/evaluation/scores")
    assert sheet.status_code == 403 and "You cannot read the pitches yet" in sheet.text
    assert "once the evaluation has started" in sheet.text and "changed in the meantime" not in sheet.text
    assert f'href="/challenges/{challenge.slug}/evaluation"' in sheet.text


def test_once_finalised_the_overview_offers_to_read_the_pitches_not_to_score_them(client, login, closed):
    """Found walking: after finalising, the overview still offered a "Score the pitches" button, to a sheet that
    (rightly) says "Read the pitches" and takes no score."""
    challenge, _, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=False)
    login(people["officer"])
    sheet = f'href="/challenges/{challenge.slug}/evaluation/scores"'
    assert f'<a class="button" {sheet}>Score the pitches</a>' in client.get(
        f"/challenges/{challenge.slug}/evaluation").text
    assessment = db.session.scalars(select(PitchAssessment).order_by(PitchAssessment.label)).first()
    first, second = challenge.criteria
    evaluation.score_sheet(people["officer"], assessment.id, {first.id: ("3", "Fine."), second.id: ("3", "")})
    evaluation.finalise_evaluation(people["officer"], challenge.id)
    overview = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert f"<a {sheet}>Read the pitches</a>" in overview and "Score the pitches" not in overview


def test_the_page_that_withholds_the_pitches_has_the_title_of_its_heading(client, login, closed):
    """Found walking: the tab said "You are not allowed to do that" above the heading "You cannot read the pitches
    yet" (or "You are recused")."""
    challenge, pitches, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=True, note="I worked there.")
    login(people["officer"])
    page = client.get(f"/pitches/{pitches[0].id}")
    assert page.status_code == 403 and "<title>You cannot read the pitches yet" in page.text
    assert "<h1>You cannot read the pitches yet</h1>" in page.text and "You are not allowed to do that" not in page.text
    login(people["alice"])
    page = client.get(f"/pitches/{pitches[0].id}")
    assert "<title>You are recused" in page.text and "<h1>You are recused</h1>" in page.text


def test_once_the_final_decisions_are_sent_no_pitch_session_is_offered_and_the_page_says_why(client, login, closed):
    """Found walking: after the final decisions the overview still offered "Offer this slot", and the slot was
    created, though no company was shortlisted any more to book it."""
    challenge, _, people = closed
    _scored_and_finalised(challenge, people)
    for row in db.session.scalars(select(PitchAssessment).order_by(PitchAssessment.label)):
        evaluation.decide(people["officer"], row.id, decision="not_selected", feedback="Too costly.", confirmed=True)
    evaluation.publish_decisions(people["officer"], challenge.id)
    assert evaluation.evaluation_of(challenge).decisions_published_at is not None
    login(people["officer"])
    page = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert "Offer this slot" not in page and f"/challenges/{challenge.slug}/evaluation/slots" not in page
    start = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    refused = client.post(f"/challenges/{challenge.slug}/evaluation/slots", data={
        "starts_at": start, "ends_at": start.replace("10:00", "10:30"), "mode": "online",
        "link": "https://meet.example/x"})
    assert refused.status_code == 409 and "no company is waiting for a pitch session" in refused.text
    assert db.session.scalar(select(func.count(PitchSessionSlot.id))) == 0


def test_a_member_steps_aside_after_finalising_and_who_runs_it_reads_the_notice(client, login, closed):
    """Journey 1 on the pages: after finalising, the step-aside form is still offered (saying the scores stay);
    the member is then recused and told so; the owner and the officer read who, when and the note above the
    ranking, which keeps the scores."""
    challenge, _, people = closed
    _scored_and_finalised(challenge, people)
    page = f"/challenges/{challenge.slug}/evaluation"
    login(people["alice"])
    overview = client.get(page).text
    assert "I have found a conflict of interest since" in overview and "Any scores you gave stay" in overview
    refused = client.post(f"{page}/declaration", data={"conflicted": "yes", "note": ""})
    assert refused.status_code == 422 and "<details open>" in refused.text
    assert client.post(f"{page}/declaration", data={"conflicted": "yes", "note": "I now advise Hidden Firm 1."}
                       ).status_code == 302
    overview = client.get(page).text
    assert "You are recused" in overview and 'id="stepped-aside-late"' in overview
    assert client.get(f"{page}/scores").status_code == 403
    for manager in ("owner", "officer"):
        login(people[manager])
        overview = client.get(page).text
        notice = overview[overview.index('id="late-conflicts"'):overview.index("<h2>Ranking</h2>")]
        assert people["alice"].name in notice and "I now advise Hidden Firm 1." in notice
        assert "They scored 2 pitches: those scores stay in the ranking." in notice
    login(people["publisher"])
    assert 'id="late-conflicts"' not in client.get(page).text


def test_a_panel_member_added_after_finalising_reaches_a_page_that_says_what_they_can_do(client, login, f, closed):
    """Journey 2: a latecomer's overview says nothing is left to score and takes their declaration (it was
    refused once finalised); the scoring sheet leads there; then they read the pitches and may still step aside."""
    challenge, _, people = closed
    _scored_and_finalised(challenge, people)
    late = f.member(challenge.agency, "evaluator")
    page = f"/challenges/{challenge.slug}/evaluation"
    login(late)
    overview = client.get(page).text
    assert 'id="declare-late"' in overview and "Record my declaration" in overview
    sheet = client.get(f"{page}/scores")
    assert sheet.status_code == 403 and f'href="{page}"' in sheet.text  # the way to the declaration
    assert client.post(f"{page}/declaration", data={"conflicted": "no"}).status_code == 302
    overview = client.get(page).text
    assert f'<a href="{page}/scores">Read the pitches</a>' in overview
    assert "I have found a conflict of interest since" in overview
    sheet = client.get(f"{page}/scores")
    assert sheet.status_code == 200 and "Hidden Firm 0" in sheet.text


def test_after_a_member_steps_aside_the_session_file_on_the_page_no_longer_lists_them(client, login, closed):
    """Journey 3, as the page gives it: the officer's download of the booked session is the version sent to the
    others after the member stepped aside — without them, at a later SEQUENCE."""
    import icalendar

    challenge, pitches, people = closed
    _scored_and_finalised(challenge, people)
    slot = PitchSessionSlot(challenge_id=challenge.id, starts_at=utcnow() + timedelta(days=3),
                            ends_at=utcnow() + timedelta(days=3, minutes=30), mode="online",
                            link="https://meet.example.org/x", pitch_id=pitches[0].id, booked_at=utcnow(),
                            offered_by_id=people["officer"].id)
    db.session.add(slot)
    db.session.commit()
    login(people["officer"])

    def event():
        return icalendar.Calendar.from_ical(client.get(f"/sessions/{slot.id}.ics").data).walk("VEVENT")[0]
    before = event()
    assert f"mailto:{people['alice'].email}" in {str(a) for a in before["attendee"]}
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=True, note="Found one.")
    after = event()
    assert f"mailto:{people['alice'].email}" not in {str(a) for a in after["attendee"]}
    assert after["sequence"] > before["sequence"]


def test_an_officer_who_stepped_aside_after_finalising_starts_no_pilot(client, login, closed):
    """A pilot is one of the decisions that remain: the officer recused after finalising is refused its start page
    and the start itself, with the recused answer (why, and the way back to the evaluation)."""
    from marketplace.services.errors import Withheld
    from marketplace.services.pilots import pilots

    challenge, pitches, people = closed
    _scored_and_finalised(challenge, people)
    pitches[0].status = "selected"  # as the final send leaves it
    db.session.commit()
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=True, note="Hidden Firm 0 hired my son.")
    login(people["officer"])
    page = client.get(f"/pitches/{pitches[0].id}/pilot")
    assert page.status_code == 403 and "You are recused" in page.text and "Hidden Firm 0" not in page.text
    with pytest.raises(Withheld):
        pilots.start_pilot(people["officer"], pitches[0].id, budget="1000", starts_on=None, ends_on=None, owner_id=None)
    login(people["owner"])
    assert client.get(f"/pitches/{pitches[0].id}/pilot").status_code == 200


def test_a_time_taken_meanwhile_is_refused_on_the_session_page_with_the_times_still_free(client, login, f):
    """Two companies pick the same time: the second is told on its own page why, and picks another (it was an error
    page that led only to the home page); a form sent with no time chosen says so too."""
    challenge = f.Challenge(status="evaluating", pitch_deadline=utcnow() - timedelta(days=3))
    pitches = [f.Pitch(challenge=challenge, status="shortlisted") for _ in range(2)]
    companies = [f.member(p.company, "owner") for p in pitches]
    start = (utcnow() + timedelta(days=4)).replace(second=0, microsecond=0)
    slots = [PitchSessionSlot(challenge_id=challenge.id, starts_at=start + timedelta(hours=h),
                              ends_at=start + timedelta(hours=h, minutes=30), mode="online",
                              link="https://meet.example.org/s") for h in (0, 2)]
    db.session.add_all(slots)
    db.session.commit()
    pitch_sessions.book_slot(companies[0], pitches[0].id, slots[0].id)
    login(companies[1])
    taken = client.post(f"/pitches/{pitches[1].id}/session", data={"slot_id": slots[0].id})
    assert taken.status_code == 409
    assert "That time slot has just been taken. Please pick another." in taken.text
    assert f'id="slot-{slots[1].id}"' in taken.text and f'id="slot-{slots[0].id}"' not in taken.text
    none = client.post(f"/pitches/{pitches[1].id}/session", data={})
    assert none.status_code == 422 and "Choose one of the free time slots." in none.text
    assert pitch_sessions.booked_slot(pitches[1]) is None


def test_the_pitch_page_of_a_booked_session_names_it_rather_than_asking_to_pick_a_time(client, login, f):
    """Booked, the company's pitch page says when its session is and leads to it; it kept asking to pick a time."""
    challenge = f.Challenge(status="evaluating", pitch_deadline=utcnow() - timedelta(days=3))
    pitch = f.Pitch(challenge=challenge, status="shortlisted")
    company = f.member(pitch.company, "owner")
    db.session.add(PitchAssessment(challenge_id=challenge.id, pitch_id=pitch.id, label="A", decision="shortlisted",
                                   published_decision="shortlisted", published_at=utcnow()))
    start = (utcnow() + timedelta(days=4)).replace(second=0, microsecond=0)
    slot = PitchSessionSlot(challenge_id=challenge.id, starts_at=start, ends_at=start + timedelta(minutes=30),
                            mode="online", link="https://meet.example.org/s")
    db.session.add(slot)
    db.session.commit()
    login(company)
    page = client.get(f"/pitches/{pitch.id}").text
    assert "Pick a time for your pitch session" in page
    pitch_sessions.book_slot(company, pitch.id, slot.id)
    page = client.get(f"/pitches/{pitch.id}").text
    assert "Your pitch session is booked for" in page and "Pick a time" not in page
    assert f'href="/pitches/{pitch.id}/session"' in page


def test_sending_a_shortlist_of_every_pitch_speaks_of_no_others(client, login, closed):
    """Every pitch shortlisted: the message names no "others told their outcome" (there are none)."""
    challenge, pitches, people = closed
    _scored_and_finalised(challenge, people)
    for row in db.session.scalars(select(PitchAssessment)):
        evaluation.decide(people["officer"], row.id, decision="shortlisted")
    login(people["officer"])
    page = client.post(f"/challenges/{challenge.slug}/evaluation/publish", follow_redirects=True).text
    assert "The shortlisted companies are being invited to book a pitch session." in page
    assert "the others are told" not in page


def test_a_session_booked_when_the_final_decisions_are_sent_is_shown_called_off_to_both_sides(client, login, closed):
    challenge, pitches, people = closed
    _shortlisted_and_booked(challenge, pitches, people)
    for row in db.session.scalars(select(PitchAssessment)):  # the final round, sent before the session
        evaluation.decide(people["officer"], row.id, decision="not_selected", feedback="Thank you.", confirmed=True)
    evaluation.publish_decisions(people["officer"], challenge.id)
    login(people["company"])
    session = client.get(f"/pitches/{pitches[0].id}/session").text
    assert "The final decisions were sent before this session: it no longer takes place." in session
    assert "You had booked it for " in session and "does not take place" not in session  # said once, not twice
    assert "/sessions/" not in session
    login(people["officer"])
    overview = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert "booked by Hidden Firm 0 – called off" in overview and "/sessions/" not in overview


def _shortlisted_and_booked(challenge, pitches, people):
    """Every pitch shortlisted and told so; the first company books a session in three days."""
    _scored_and_finalised(challenge, people)
    for row in db.session.scalars(select(PitchAssessment)):
        evaluation.decide(people["officer"], row.id, decision="shortlisted")
    evaluation.publish_decisions(people["officer"], challenge.id)
    start = utcnow() + timedelta(days=3)
    slot = pitch_sessions.offer_slot(people["officer"], challenge.id, starts_at=start,
                                     ends_at=start + timedelta(minutes=30), mode="online",
                                     link="https://meet.example.org/x")
    pitch_sessions.book_slot(people["company"], pitches[0].id, slot.id)
    return slot


def test_a_panel_member_who_had_not_declared_when_the_challenge_was_cancelled_is_told_so_not_sent_to_declare(
        client, login, closed):
    from marketplace.services.challenges import challenges

    challenge, pitches, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    challenges.cancel_challenge(people["publisher"], challenge.slug, "The region took the contract back.")
    login(people["alice"])  # an evaluator who never declared
    refused = client.get(f"/pitches/{pitches[0].id}")
    assert refused.status_code == 403
    assert "cancelled before you declared your conflicts of interest" in refused.text
    assert "Declare your conflicts of interest" not in refused.text  # a form that is gone: no way there
    assert f'href="/challenges/{challenge.slug}"' in refused.text  # but a way back
    assert pitches[0].title not in refused.text and "<h1>You cannot read the pitches</h1>" in refused.text
    received = client.get(f"/challenges/{challenge.slug}/pitches").text  # the list of pitches says the same
    assert "cancelled before you declared" in received and "Declare your conflicts of interest" not in received
    people["alice"].locale = "fr"  # said in the reader's language too
    db.session.commit()
    assert "a été annulé avant que vous ne déclariez" in client.get(f"/pitches/{pitches[0].id}").text


def test_a_challenge_cancelled_before_its_evaluation_tells_its_agency_the_pitches_stay_closed_not_to_wait(
        client, login, closed):
    """Cancelled after its deadline, before anyone started the evaluation: nobody will start it, so neither a panel
    member nor a publisher (off the panel) is told the pitches open once the evaluation starts or is finalised, nor
    sent to an evaluation page that says it has 'not started yet'; they read that the challenge was cancelled."""
    from marketplace.services.challenges import challenges

    challenge, pitches, people = closed
    challenges.cancel_challenge(people["publisher"], challenge.slug, "The region took the contract back.")
    for who in ("alice", "publisher"):
        login(people[who])
        refused = client.get(f"/pitches/{pitches[0].id}")
        assert refused.status_code == 403 and pitches[0].title not in refused.text
        for page in (refused.text, client.get(f"/challenges/{challenge.slug}/pitches").text):
            assert "cancelled before its evaluation was finalised" in page, who
            assert "once the evaluation has" not in page and "Until the evaluation is finalised" not in page
            assert "Go to the evaluation" not in page and "<h1>You cannot read the pitches</h1>" in page
            assert f'href="/challenges/{challenge.slug}"' in page
    login(people["officer"])
    overview = client.get(f"/challenges/{challenge.slug}/evaluation").text
    assert "has not started yet" not in overview and "Start the evaluation" not in overview
    assert "This challenge was cancelled" in overview and "Its evaluation had not started" in overview
    assert "The region took the contract back." in overview


def _first_selected_and_sent(challenge, pitches, people):
    """Finalised; the first pitch selected, the other not, and the final decisions sent (its pilot to start)."""
    _scored_and_finalised(challenge, people)
    for row in db.session.scalars(select(PitchAssessment)):
        evaluation.decide(people["officer"], row.id, feedback="Thank you.", confirmed=True,
                          decision="selected" if row.pitch_id == pitches[0].id else "not_selected")
    evaluation.publish_decisions(people["officer"], challenge.id)


def test_after_the_final_decisions_the_page_says_what_stepping_aside_still_changes_then_that_it_changes_nothing(
        client, login, closed, f):
    """The final decisions sent, a selected pitch still to become a pilot: the step-aside form says that is what
    remains, and a latecomer's declaration too (no pitch session is to come). Its pilot started, stepping aside
    changes nothing: the button is shown unavailable with the reason, and a form sent from a page left open is
    answered there with it (never a 500); the latecomer still declares before reading the pitches."""
    from marketplace.services.pilots import pilots

    challenge, pitches, people = closed
    _first_selected_and_sent(challenge, pitches, people)
    page = f"/challenges/{challenge.slug}/evaluation"
    login(people["alice"])
    overview = client.get(page).text
    assert "I have found a conflict of interest since" in overview
    assert "what remains is starting the pilots of the selected pitches" in overview
    assert "the pitch sessions and the decisions" not in overview and 'id="step-aside-closed"' not in overview
    late = f.member(challenge.agency, "evaluator")
    login(late)
    overview = client.get(page).text
    assert "the pilots of the selected pitches are still to start" in overview
    assert 'id="sessions-after-declaring"' not in overview and "still sits in the pitch sessions" not in overview
    login(people["alice"])
    pilots.start_pilot(people["officer"], pitches[0].id, budget="1000", starts_on=utcnow().date(),
                       ends_on=utcnow().date() + timedelta(days=30), owner_id=people["officer"].id)
    overview = client.get(page).text
    assert "I have found a conflict of interest since" not in overview
    assert 'disabled aria-describedby="step-aside-closed"' in overview
    assert str(evaluation.NOTHING_REMAINS) in overview.replace("&#39;", "'")
    refused = client.post(f"{page}/declaration", data={"conflicted": "yes", "note": "Found one."})
    assert refused.status_code == 409 and str(evaluation.NOTHING_REMAINS) in refused.text
    assert not evaluation.is_recused(evaluation.declaration_of(people["alice"], challenge))
    login(late)
    overview = client.get(page).text
    assert "This evaluation is over" in overview and "Record my declaration" in overview


def test_the_final_decisions_name_before_sending_the_sessions_to_come_that_sending_calls_off(client, login, closed):
    """Found walking: sending the final decisions called off a session still booked to come, and the officer
    learnt it only afterwards. The send section lists it first (company and time, `sessions_called_off_by_sending`)
    and says both sides will be told, in the reader's language; once sent, nothing is listed any more."""
    challenge, pitches, people = closed
    slot = _shortlisted_and_booked(challenge, pitches, people)
    page = f"/challenges/{challenge.slug}/evaluation"
    login(people["officer"])
    overview = client.get(page).text
    assert 'id="sessions-called-off-by-sending"' in overview  # said already while the final round is decided
    for row in db.session.scalars(select(PitchAssessment)):
        evaluation.decide(people["officer"], row.id, decision="not_selected", feedback="Thank you.", confirmed=True)
    assert pitch_sessions.sessions_called_off_by_sending(challenge) == [slot]
    overview = client.get(page).text
    warning = overview[overview.index('id="sessions-called-off-by-sending"'):overview.index("Send the final decisions")]
    assert "Sending the final decisions calls it off" in warning and "Hidden Firm 0, " in warning
    assert "Hidden Firm 1" not in warning  # it booked no session
    assert "The companies and the panel will be told" in warning
    people["officer"].locale = "fr"
    db.session.commit()
    warning = client.get(page).text
    assert "L’envoi des décisions définitives l’annule" in warning and "Hidden Firm 0, " in warning
    client.post(f"{page}/publish")
    assert pitch_sessions.sessions_called_off_by_sending(challenge) == []
    assert 'id="sessions-called-off-by-sending"' not in client.get(page).text


def test_a_decision_opened_before_finalising_says_why_and_leads_to_the_evaluation(client, login, closed):
    """Found walking: a decision's page (a bookmark, a link sent early) opened before the evaluation is finalised
    answered 409 with the home page as its only way on; it says why and leads to the evaluation's overview."""
    challenge, _, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=False)
    row = db.session.scalars(select(PitchAssessment)).first()
    login(people["officer"])
    page = client.get(f"/challenges/{challenge.slug}/evaluation/decisions/{row.id}")
    assert page.status_code == 409 and "Finalise the evaluation before you decide." in page.text
    assert "<h1>Not possible yet</h1>" in page.text and "That changed in the meantime" not in page.text
    assert f'<a href="/challenges/{challenge.slug}/evaluation">Go to the evaluation</a>' in page.text
    sent = _decide(client, challenge, row, decision="not_selected", feedback="Too costly.")
    assert sent.status_code == 409 and f'href="/challenges/{challenge.slug}/evaluation"' in sent.text
    people["officer"].locale = "fr"
    db.session.commit()
    page = client.get(f"/challenges/{challenge.slug}/evaluation/decisions/{row.id}").text
    assert "Aller à l’évaluation" in page and "<h1>Pas encore possible</h1>" in page


def test_who_steps_aside_after_the_final_decisions_is_told_what_they_no_longer_take_part_in(client, login, closed):
    """Found walking: stepping aside after the final decisions were sent, a member read they no longer took part
    in the pitch sessions or decisions — both over. What remains (`what_remains`) is said instead: starting the
    pilots; once each selected pitch has its pilot, nothing."""
    from marketplace.services.pilots import pilots

    challenge, pitches, people = closed
    _first_selected_and_sent(challenge, pitches, people)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=True, note="I now advise Hidden Firm 1.")
    page = f"/challenges/{challenge.slug}/evaluation"
    login(people["alice"])
    mine = client.get(page).text
    assert "you no longer take part in starting the pilots of its selected pitches" in mine
    assert "pitch sessions or decisions" not in mine
    login(people["officer"])
    notice = client.get(page).text
    notice = notice[notice.index('id="late-conflicts"'):notice.index("<h2>Ranking</h2>")]
    assert "no longer takes part in starting the pilots of its selected pitches" in notice
    assert "pitch sessions or decisions" not in notice and "the decisions that remain" not in notice
    pilots.start_pilot(people["officer"], pitches[0].id, budget="1000", starts_on=utcnow().date(),
                       ends_on=utcnow().date() + timedelta(days=30), owner_id=people["officer"].id)
    notice = client.get(page).text
    notice = notice[notice.index('id="late-conflicts"'):notice.index("<h2>Ranking</h2>")]
    assert "no longer takes part" not in notice and "their declaration is in the audit trail" not in notice
    login(people["alice"])
    mine = client.get(page).text
    assert "Nothing is decided on it any more" in mine and "no longer take part" not in mine
