"""A visitor's challenge page, written once and kept (services/challenges/page.py `kept_for_visitor`): asked again
it costs the read of the public data token and nothing else (issue 17), yet a change to the challenge, or its
pitch deadline passing, shows at the next view, and a signed-in person still gets their own page."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from marketplace.extensions import db
from marketplace.models import Challenge, User
from marketplace.services.challenges import amendments, questions
from marketplace.services.clock import utcnow
from tests.statements import Statements

AGAIN = 1  # the token read: everything else of a visitor's page is kept


@pytest.fixture(autouse=True)
def rendered(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)  # every request rendered: the kept body, not the page


def _ask(client, slug, language="en"):
    db.session.remove()  # a fresh session, as each request of a server has
    with Statements() as statements:
        response = client.get(f"/challenges/{slug}", headers={"Accept-Language": language})
    return response, statements.count


@pytest.fixture
def world(f):
    challenge = f.Challenge(title="Quieter night buses")
    people = {"publisher": f.member(challenge.agency, "publisher"), "asker": f.member(f.Company(), "owner")}
    question = questions.ask_question(people["asker"], challenge, "Can the pilot run on two lines only?")
    questions.answer_question(people["publisher"], question.id, "Yes, lines 4 and 12.")
    for person in people.values():
        person.get_id()  # loaded before the requests' fresh sessions detach it
    return challenge.id, challenge.slug, people


@pytest.mark.parametrize("language", ["en", "fr", "nl", "de"])
def test_a_visitors_second_ask_reads_the_token_only_and_gets_the_same_page(client, world, language):
    _, slug, _ = world
    first, _ = _ask(client, slug, language)
    again, count = _ask(client, slug, language)
    assert first.status_code == again.status_code == 200
    assert again.data == first.data and f'lang="{language}"' in again.text
    assert "Yes, lines 4 and 12." in again.text
    assert count <= AGAIN


def test_each_language_gets_its_own_kept_page(client, world):
    _, slug, _ = world
    english = _ask(client, slug, "en")[0].text
    french = _ask(client, slug, "fr")[0].text
    assert "How to take part" in english and "How to take part" not in french
    assert _ask(client, slug, "en")[0].text == english


def test_an_amendment_an_answer_and_a_new_status_show_at_the_next_view(client, world, f):
    challenge_id, slug, p = world
    _ask(client, slug), _ask(client, slug)  # kept
    ids = {name: person.id for name, person in p.items()}
    person = lambda name: db.session.get(User, ids[name])  # noqa: E731  (each request detaches what was read)
    amendments.correct_published_challenge(person("publisher"), challenge_id, {
        "title": "Quieter electric night buses", "reason": "Electric buses only, as two companies asked."})
    page = _ask(client, slug)[0].text
    assert "Quieter electric night buses" in page and "Electric buses only, as two companies asked." in page

    question_id = questions.ask_question(person("asker"), slug, "Is a night depot available?").id
    assert "Is a night depot available?" not in _ask(client, slug)[0].text  # asked: not public until answered
    questions.answer_question(person("publisher"), question_id, "Yes, at the north depot.")
    assert "Yes, at the north depot." in _ask(client, slug)[0].text

    db.session.execute(update(Challenge).where(Challenge.id == challenge_id).values(status="evaluating"))
    db.session.commit()
    page = _ask(client, slug)[0].text
    assert "The challenge is under evaluation" in page and "Sign in to pitch" not in page


def test_the_pitch_deadline_passing_shows_at_the_next_view(client, f):
    challenge = f.Challenge(title="Quieter night buses")
    deadline = utcnow() + timedelta(seconds=1)
    db.session.execute(update(Challenge).where(Challenge.id == challenge.id).values(pitch_deadline=deadline))
    db.session.commit()
    slug = challenge.slug
    assert "Sign in to pitch" in _ask(client, slug)[0].text
    assert "Sign in to pitch" in _ask(client, slug)[0].text  # kept, until the deadline
    time.sleep(max(0.0, (deadline - utcnow()).total_seconds()) + 0.2)
    page, count = _ask(client, slug)
    assert "Sign in to pitch" not in page.text and "The pitch deadline passed on" in page.text
    assert count > AGAIN  # written again: the kept page no longer held
    assert _ask(client, slug)[1] <= AGAIN  # and kept from then on: nothing changes with the time any more


def test_a_draft_is_not_found_by_visitors_however_often_asked(client, f):
    draft = f.Challenge(status="draft", published_at=None)
    assert [_ask(client, draft.slug)[0].status_code for _ in range(2)] == [404, 404]


def test_signed_in_people_get_their_own_page_after_a_visitors_was_kept(client, world, login, f):
    _, slug, p = world
    visitor_page = _ask(client, slug)[0].text
    assert "csrf_token" not in visitor_page and "For your agency" not in visitor_page
    company = f.member(f.Company(), "owner")
    company.get_id()
    login(company)
    page = _ask(client, slug)[0].text
    assert "Follow this challenge" in page and "How to take part" not in page
    login(p["publisher"])
    assert "For your agency" in _ask(client, slug)[0].text
    with client.session_transaction() as session:
        session.clear()
    assert _ask(client, slug)[0].text == visitor_page
