"""The challenge page's data comes from one call, as each viewer may see it."""
import pytest
from flask_login import AnonymousUserMixin

from marketplace.services.challenges import questions
from marketplace.services.challenges.page import challenge_page
from marketplace.services.errors import NotFound
from marketplace.services.organisations import companies


def test_each_viewer_gets_their_own_page(f):
    challenge = f.Challenge()
    pitcher = f.member(f.Company(), "owner")
    pitch = f.Pitch(challenge=challenge, company=pitcher.organisation, status="submitted")
    companies.follow(pitcher, challenge.slug)
    asker = f.member(f.Company(), "member")
    publisher = f.member(challenge.agency, "publisher")
    answered = questions.ask_question(asker, challenge, "Is the data open?")
    questions.answer_question(publisher, answered, "Yes.")
    waiting = questions.ask_question(asker, challenge, "Which hospitals?")

    visitor = challenge_page(AnonymousUserMixin(), challenge.slug)
    assert visitor.challenge.id == challenge.id
    assert [q.id for q in visitor.answered_questions] == [answered.id]
    assert (visitor.own_pitch, visitor.may_follow, visitor.may_ask, visitor.may_edit) == (None, False, False, False)
    assert visitor.questions_to_answer == [] and visitor.my_pilots == []

    company = challenge_page(pitcher, challenge.slug)
    assert company.own_pitch.id == pitch.id and company.following and company.may_follow
    assert company.may_ask and company.questions_open and not company.may_edit and not company.may_read_pitches
    assert company.questions_to_answer == []

    agency = challenge_page(publisher, challenge.slug)
    assert agency.may_edit and agency.own_pitch is None and not agency.may_follow and not agency.may_ask
    assert [q.id for q in agency.questions_to_answer] == [waiting.id]


def test_a_draft_is_not_found_for_others(f):
    draft = f.Challenge(status="draft")
    assert challenge_page(f.member(draft.agency, "publisher"), draft.slug).may_edit
    for viewer in (AnonymousUserMixin(), f.member(f.Company(), "owner")):
        with pytest.raises(NotFound):
            challenge_page(viewer, draft.slug)


def test_templates_get_their_data_from_the_view(app):
    from pathlib import Path

    templates = Path(app.root_path).parent / "templates"
    assert [str(p) for p in templates.rglob("*.html") if "ignore missing" in p.read_text()] == []
    ours = [f"{f.__module__}.{f.__name__}" for fs in app.template_context_processors.values() for f in fs
            if f.__module__.startswith("marketplace")]
    # The header's unread count, and the footer's operator (configuration only, no database): nothing else.
    assert sorted(ours) == ["marketplace.web.about.service_operator", "marketplace.web.template_helpers.inject_people"]


@pytest.mark.parametrize("started", [True, False])
def test_a_cancelled_challenge_links_its_panel_to_the_evaluation_it_stopped(f, started):
    from datetime import timedelta

    from marketplace.services.challenges import challenges
    from marketplace.services.clock import utcnow
    from marketplace.services.evaluation import evaluation

    challenge = f.Challenge(status="closed", pitch_deadline=utcnow() - timedelta(days=1))
    f.Pitch(challenge=challenge, status="submitted")
    owner = f.member(challenge.agency, "owner")
    assert challenge_page(owner, challenge.slug).shows_evaluation  # closed: one to start
    if started:
        evaluation.start_evaluation(owner, challenge.id)
    challenges.cancel_challenge(owner, challenge.slug, "No budget any more.")
    assert challenge_page(owner, challenge.slug).shows_evaluation is started  # stopped, still to be read
    assert not challenge_page(AnonymousUserMixin(), challenge.slug).shows_evaluation
