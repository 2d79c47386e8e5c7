"""Markdown is rendered and sanitised once, when a text is saved; pages show the stored HTML."""
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import Challenge, Pitch
from marketplace.services.challenges import amendments, challenges, markdown
from marketplace.services.clock import utcnow
from marketplace.services.pitches import pitches

UNSAFE = "About **12 %** are missed. <script>alert(1)</script> [site](javascript:alert(2))"


def _draft():
    return {"kind": "call_for_solutions", "title": "Fewer missed appointments", "summary": "Patients miss them.",
            "problem_statement": UNSAFE, "context": "", "affected": "*Patients*", "desired_outcomes": "",
            "constraints": "", "sectors": ["85"], "budget_min": "", "budget_max": "", "pilot_duration_weeks": "",
            "pitch_deadline": utcnow() + timedelta(days=30), "question_deadline": None,
            "criteria": [{"name": "Fit", "weight": 100}], "success_measures": []}


def test_saving_stores_sanitised_html_and_a_correction_updates_it(f):
    publisher = f.member(f.Agency(), "publisher")
    draft = challenges.create_draft(publisher, _draft())
    stored = db.session.get(Challenge, draft.id)
    assert "<strong>12 %</strong>" in stored.problem_statement_html and "<script" not in stored.problem_statement_html
    assert "javascript:" not in stored.problem_statement_html
    assert (stored.affected_html, stored.context_html, stored.consultation_summary_html) == (
        "<p><em>Patients</em></p>", "", None)

    published = f.Challenge(agency=publisher.organisation)
    amendments.correct_published_challenge(publisher, published.id, {
        "problem_statement": "Now *one in ten* <script>x()</script>", "reason": "The figure was out of date."})
    assert db.session.get(Challenge, published.id).problem_statement_html == "<p>Now <em>one in ten</em> </p>"

    owner = f.member(f.Company(), "owner")
    pitch = pitches.save_draft(owner, published.slug, {"approach": "1. *Call* <img src=x onerror=alert(1)>"})
    assert db.session.get(Pitch, pitch.id).approach_html == "<ol>\n<li><em>Call</em> </li>\n</ol>"
    # Bulk inserts (flask seed-scale) and the migration use the same rendering.
    assert markdown.with_html("pilots", {"outcome_summary": "**ok**", "lessons_learned": None}) == {
        "outcome_summary": "**ok**", "outcome_summary_html": "<p><strong>ok</strong></p>",
        "lessons_learned": None, "lessons_learned_html": None}


def test_pages_show_the_stored_html_without_rendering(client, login, f, monkeypatch):
    challenge = f.Challenge(problem_statement="Half the **pipes** leak.")
    owner = f.member(f.Company(), "owner")
    pitch = f.Pitch(challenge=challenge, company=owner.organisation, approach="We *listen* to the pipes.")
    slug, pitch_id = challenge.slug, pitch.id

    def refuse(source):
        raise AssertionError(f"Markdown rendered during a page view: {source!r}")

    monkeypatch.setattr(markdown, "to_html", refuse)
    markdown._rendered.cache_clear()
    assert "Half the <strong>pipes</strong> leak." in client.get(f"/challenges/{slug}").text
    assert "Half the &lt;strong&gt;pipes&lt;/strong&gt; leak." in client.get("/feeds/challenges.atom").text
    login(owner)
    assert "Half the <strong>pipes</strong> leak." in client.get(f"/challenges/{slug}").text
    assert "We <em>listen</em> to the pipes." in client.get(f"/pitches/{pitch_id}").text
    with pytest.raises(AssertionError):
        markdown.render_markdown("a new text")  # the guard above is live
