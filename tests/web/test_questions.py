"""Questions through the challenge page: the form, who may post it, and what the public sees."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Question
from marketplace.services.clock import utcnow
from marketplace.services.challenges.questions import MAX_ANSWER, MAX_QUESTION

HOSTILE = ["<script>alert(1)</script>", "' OR 1=1; DROP TABLE questions; --", "../../../etc/passwd"]


@pytest.fixture
def scene(f):
    challenge = f.Challenge()
    return {"challenge": challenge, "asker": f.member(f.Company(name="Secret Asker BV"), "member"),
                "publisher": f.member(challenge.agency, "publisher")}


def _ask(client, challenge, body):
    return client.post(f"/challenges/{challenge.slug}/questions", data={"body": body})


def test_a_company_asks_and_the_agency_answers_publicly_without_the_company(client, login, scene):
    challenge = scene["challenge"]
    login(scene["asker"])
    page = client.get(f"/challenges/{challenge.slug}").text
    assert 'id="question-body"' in page and "Questions close on" in page
    sent = _ask(client, challenge, "Spring start?")
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/challenges/{challenge.slug}#questions")
    question = db.session.scalars(select(Question)).one()
    login(scene["publisher"])
    page = client.get(f"/challenges/{challenge.slug}").text
    assert "Waiting for your answer" in page and "Spring start?" in page and 'id="question-body"' not in page
    assert client.post(f"/questions/{question.id}/answer", data={"answer": "Yes."}).status_code == 302
    client.post("/auth/logout")
    public = client.get(f"/challenges/{challenge.slug}").text
    assert "Spring start?" in public and "Yes." in public and "Secret Asker" not in public
    assert "Waiting for your answer" not in public


def test_a_question_and_its_answer_are_marked_in_the_language_each_was_written_in(client, login, scene):
    """A French question answered in Dutch, read on an English page: each text carries its own lang, so a screen
    reader reads it with the right voice; the page's own words stay English."""
    challenge = scene["challenge"]
    login(scene["asker"])
    client.post("/language", data={"locale": "fr", "next": f"/challenges/{challenge.slug}"})
    _ask(client, challenge, "Le pilote peut-il commencer au printemps ?")
    question = db.session.scalars(select(Question)).one()
    login(scene["publisher"])
    client.post("/language", data={"locale": "nl", "next": f"/challenges/{challenge.slug}"})
    assert 'lang="fr">Le pilote peut-il' in client.get(f"/challenges/{challenge.slug}").text  # to answer, in Dutch
    client.post(f"/questions/{question.id}/answer", data={"answer": "Ja, vanaf april."})
    db.session.refresh(question)
    assert (question.language, question.answer_language) == ("fr", "nl")
    client.post("/auth/logout")
    client.post("/language", data={"locale": "en", "next": f"/challenges/{challenge.slug}"})
    public = client.get(f"/challenges/{challenge.slug}").text
    assert '<html lang="en"' in public
    assert '<p lang="fr">Le pilote peut-il commencer au printemps ?</p>' in public
    assert '<span lang="nl">Ja, vanaf april.</span>' in public
    answered = client.get(f"/api/v1/challenges/{challenge.slug}").get_json()["questions"][0]
    assert (answered["question_language"], answered["answer_language"]) == ("fr", "nl")


@pytest.mark.parametrize("body, message", [("", "Write your question."), ("   ", "Write your question."),
                                           ("x" * (MAX_QUESTION + 1), "characters or fewer")])
def test_a_blank_or_oversized_question_is_shown_again_with_the_error(client, login, scene, body, message):
    login(scene["asker"])
    page = _ask(client, scene["challenge"], body)
    assert page.status_code == 422 and "<title>Error:" in page.text and message in page.text
    assert 'aria-invalid="true"' in page.text and 'href="#body"' in page.text
    assert db.session.query(Question).count() == 0


def test_a_missing_field_is_refused(client, login, scene):
    login(scene["asker"])
    assert client.post(f"/challenges/{scene['challenge'].slug}/questions", data={}).status_code == 422
    assert db.session.query(Question).count() == 0


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_kept_as_text_and_escaped(client, login, scene, text):
    login(scene["asker"])
    assert _ask(client, scene["challenge"], text).status_code == 302
    question = db.session.scalars(select(Question)).one()
    assert question.body == text
    login(scene["publisher"])
    assert client.post(f"/questions/{question.id}/answer", data={"answer": text}).status_code == 302
    page = client.get(f"/challenges/{scene['challenge'].slug}").text
    assert "<script>alert(1)</script>" not in page


def test_after_the_question_deadline_the_form_is_gone_and_posting_is_refused(client, login, scene):
    challenge = scene["challenge"]
    challenge.question_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    login(scene["asker"])
    page = client.get(f"/challenges/{challenge.slug}").text
    assert "Questions closed on" in page and 'id="question-body"' not in page
    refused = _ask(client, challenge, "Too late?")
    assert refused.status_code == 409 and "Questions for this challenge are closed." in refused.text
    assert db.session.query(Question).count() == 0


def test_a_challenge_cancelled_before_its_question_deadline_does_not_date_the_closing_in_the_future(
        client, login, scene):
    challenge = scene["challenge"]
    challenge.status = "cancelled"
    db.session.commit()
    login(scene["asker"])
    page = client.get(f"/challenges/{challenge.slug}").text
    assert "Questions are closed." in page and "Questions closed on" not in page


def test_who_may_not_ask(client, login, scene, f):
    challenge = scene["challenge"]
    anonymous = _ask(client, challenge, "Hello?")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    login(scene["publisher"])
    assert _ask(client, challenge, "Hm").status_code == 403
    login(f.member(f.Agency(), "owner"))
    assert _ask(client, challenge, "Hm").status_code == 403
    login(scene["asker"])
    assert _ask(client, f.Challenge(status="draft"), "Hidden?").status_code == 404
    assert client.post("/challenges/..%2F..%2Fetc%2Fpasswd/questions", data={"body": "x"}).status_code == 404
    assert db.session.query(Question).count() == 0


def test_who_may_not_answer(client, login, scene, f):
    challenge = scene["challenge"]
    question = Question(challenge_id=challenge.id, body="Q?")
    db.session.add(question)
    db.session.commit()
    url = f"/questions/{question.id}/answer"
    assert "/auth/login" in client.post(url, data={"answer": "Anon"}).headers["Location"]
    for outsider in (f.member(f.Company(), "owner"), f.member(f.Agency(), "publisher"),
                     f.member(challenge.agency, "evaluator")):
        login(outsider)
        page = client.post(url, data={"answer": "Me!"})
        assert page.status_code == 404 and "Q?" not in page.text
    login(scene["publisher"])
    assert client.post("/questions/99999/answer", data={"answer": "x"}).status_code == 404
    for bad in ("", "y" * (MAX_ANSWER + 1)):
        page = client.post(url, data={"answer": bad})
        assert page.status_code == 422 and "<title>Error:" in page.text
    assert db.session.get(Question, question.id).answer is None
    assert client.post(url, data={"answer": "Yes"}).status_code == 302
    assert client.post(url, data={"answer": "Again"}).status_code == 409
    assert db.session.get(Question, question.id).answer == "Yes"


def test_a_question_sent_as_the_deadline_passes_comes_back_on_its_page_with_the_reason_and_the_text(
        client, login, scene):
    """Found walking: the page was opened before the question deadline and sent after it; the answer was the
    generic "That changed in the meantime" page and the question typed was lost."""
    challenge = scene["challenge"]
    login(scene["asker"])
    assert 'id="question-body"' in client.get(f"/challenges/{challenge.slug}").text  # still open…
    challenge.question_deadline = utcnow() - timedelta(minutes=1)  # …until the question is sent
    db.session.commit()
    refused = _ask(client, challenge, "Can the pilot run in two districts at once?")
    assert refused.status_code == 409 and "<h1>Ask a question</h1>" in refused.text
    assert "Questions for this challenge are closed." in refused.text and 'class="error-summary"' in refused.text
    assert "Can the pilot run in two districts at once?" in refused.text and "readonly" in refused.text
    assert "Send question</button>" not in refused.text and "changed in the meantime" not in refused.text
    assert db.session.query(Question).count() == 0
