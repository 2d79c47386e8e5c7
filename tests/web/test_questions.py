"""Questions through the challenge page."""
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Question


def test_a_company_asks_and_the_agency_answers_publicly_without_the_company(client, login, f):
    challenge = f.Challenge()
    asker = f.member(f.Company(name="Secret Asker BV"), "member")
    publisher = f.member(challenge.agency, "publisher")
    login(asker)
    assert client.post(f"/challenges/{challenge.slug}/questions", data={"body": "Spring start?"}).status_code == 302
    empty = client.post(f"/challenges/{challenge.slug}/questions", data={"body": ""})
    assert empty.status_code == 422 and "<title>Error:" in empty.text and "Write your question." in empty.text
    question = db.session.scalars(select(Question)).one()
    login(publisher)
    page = client.get(f"/challenges/{challenge.slug}").text
    assert "Waiting for your answer" in page and "Spring start?" in page
    assert client.post(f"/questions/{question.id}/answer", data={"answer": "Yes."}).status_code == 302
    client.post("/auth/logout")
    public = client.get(f"/challenges/{challenge.slug}").text
    assert "Spring start?" in public and "Yes." in public and "Secret Asker" not in public


def test_others_cannot_answer_and_agencies_cannot_ask(client, login, f):
    challenge = f.Challenge()
    question = Question(challenge_id=challenge.id, body="Q?")
    db.session.add(question)
    db.session.commit()
    login(f.member(f.Company(), "owner"))
    assert client.post(f"/questions/{question.id}/answer", data={"answer": "Me!"}).status_code == 404
    login(f.member(challenge.agency, "owner"))
    assert client.post(f"/challenges/{challenge.slug}/questions", data={"body": "Hm"}).status_code == 403
    assert client.post("/questions/99999/answer", data={"answer": "x"}).status_code == 404
    assert db.session.get(Question, question.id).answer is None
