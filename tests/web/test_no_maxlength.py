"""The form fields drawn by the `field` macro carry no maxlength, though WTForms writes one from a Length validator:
a browser cuts a pasted text at the limit without a word (a send-back reason, a challenge's summary), where the
character count says how many characters are too many and the form refuses the text with its reason, keeping it.
The pitch steps hold to the same rule (test_pitches)."""
import lxml.html

from marketplace.extensions import db


def _limited_fields(html):
    page = lxml.html.fromstring(html)
    return {field.get("name"): field.get("maxlength") for field in page.xpath("//main//*[self::input or self::textarea]")
            if field.get("maxlength") is not None}


def test_no_field_of_the_challenge_form_the_send_back_or_the_token_form_is_cut_by_the_browser(client, login, f):
    agency = f.Agency()
    agency.four_eyes_publishing = True
    db.session.commit()
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    asker, approver = f.member(agency, "publisher"), f.member(agency, "publisher")
    login(asker)
    assert client.post(f"/challenges/{draft.slug}/request-approval").status_code == 302
    login(approver)
    preview = client.get(f"/challenges/{draft.slug}/preview").text
    assert 'name="reason"' in preview and "You can enter up to 2,000 characters." in preview
    for url in (f"/challenges/{draft.slug}/preview", f"/challenges/{draft.slug}/edit", "/account/tokens", "/account"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _limited_fields(response.text) == {}, url


def _counted(html, name):
    """The character limit said and counted for the field `name`: its group's data-character-count."""
    page = lxml.html.fromstring(html)
    return [group.get("data-character-count") for group in page.xpath("//*[@data-character-count]")
            if group.xpath(f".//*[@name='{name}']")]


def test_the_question_and_answer_fields_count_characters_and_a_text_too_long_is_refused_and_kept(client, login, f):
    from marketplace.services.challenges.questions import MAX_ANSWER, MAX_QUESTION

    challenge = f.Challenge()
    asker, publisher = f.member(f.Company(), "member"), f.member(challenge.agency, "publisher")
    login(asker)
    page = client.get(f"/challenges/{challenge.slug}").text
    assert _limited_fields(page) == {} and _counted(page, "body") == [str(MAX_QUESTION)]
    assert client.post(f"/challenges/{challenge.slug}/questions", data={"body": "Spring start?"}).status_code == 302
    login(publisher)
    page = client.get(f"/challenges/{challenge.slug}").text
    assert _limited_fields(page) == {} and _counted(page, "answer") == [str(MAX_ANSWER)]
    question_id = lxml.html.fromstring(page).xpath("//textarea[@name='answer']/@id")[0].split("-")[1]
    long = "y" * (MAX_ANSWER + 1)
    refused = client.post(f"/questions/{question_id}/answer", data={"answer": long})
    assert refused.status_code == 422 and "The answer must be 5,000 characters or fewer." in refused.text
    assert f"{long}</textarea>" in refused.text


def test_the_score_comments_count_characters_and_a_comment_too_long_is_refused_next_to_it_and_kept(
        client, login, f):
    from sqlalchemy import select

    from marketplace.models import PitchAssessment, Score
    from marketplace.services.clock import utcnow
    from marketplace.services.evaluation.evaluation import MAX_COMMENT
    from datetime import timedelta

    challenge = f.Challenge(status="closed", pitch_deadline=utcnow() - timedelta(days=1))
    for _ in range(2):
        f.Pitch(challenge=challenge, status="submitted", company=f.Company())
    officer, alice = f.member(challenge.agency, "procurement_officer"), f.member(challenge.agency, "evaluator")
    login(officer)
    assert client.post(f"/challenges/{challenge.slug}/evaluation/start").status_code == 302
    login(alice)
    assert client.post(f"/challenges/{challenge.slug}/evaluation/declaration",
                       data={"conflicted": "no"}).status_code == 302
    sheet = client.get(f"/challenges/{challenge.slug}/evaluation/scores").text
    first, second = challenge.criteria
    assert _limited_fields(sheet) == {} and _counted(sheet, f"comment-{first.id}") == [str(MAX_COMMENT)] * 2
    assessment = db.session.scalars(select(PitchAssessment).order_by(PitchAssessment.label)).first()
    long = "z" * (MAX_COMMENT + 1)
    refused = client.post(f"/challenges/{challenge.slug}/evaluation/scores", data={
        "assessment_id": assessment.id, f"score-{first.id}": "4", f"comment-{first.id}": long,
        f"score-{second.id}": "3"})
    assert refused.status_code == 422 and f">{long}</textarea>" in refused.text
    assert refused.text.count(long) == 1  # kept in the form it was sent from, not in the other pitch's
    field = lxml.html.fromstring(refused.text).xpath(f"//textarea[@name='comment-{first.id}']")[0]
    error = field.getparent().xpath(".//*[@class='error-message']")
    assert error and "Write 2,000 characters or fewer." in error[0].text_content()
    assert db.session.scalar(select(Score.id)) is None


def test_the_pilot_note_and_evidence_count_characters_and_a_text_too_long_is_refused_and_kept(client, login, f):
    from datetime import date, timedelta

    from marketplace.services.pilots import pilots
    from marketplace.services.pilots.pilot_workflow import EVALUATION
    from marketplace.services.pilots.pilots import MAX_TEXT

    challenge = f.Challenge(status="evaluating")
    pitch = f.Pitch(challenge=challenge, status="selected")
    officer = f.member(challenge.agency, "procurement_officer")
    pilot = pilots.start_pilot(officer, pitch.id, budget="10000", starts_on=date.today(),
                               ends_on=date.today() + timedelta(days=30), owner_id=officer.id, milestones=[])
    pilot.stage = EVALUATION
    db.session.commit()
    login(officer)
    page = client.get(f"/pilots/{pilot.id}").text
    assert _limited_fields(page) == {}
    assert set(_counted(page, "evidence")) == {str(MAX_TEXT)}  # the move's note: test_pilots (a refused move)
    measure = challenge.success_measures[0]
    long = "e" * (MAX_TEXT + 1)
    refused = client.post(f"/pilots/{pilot.id}/measures/{measure.id}", data={"result": "met", "evidence": long})
    assert refused.status_code == 422 and f">{long}</textarea>" in refused.text
    assert "10000 characters" in refused.text.replace(",", "")
