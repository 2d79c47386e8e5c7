"""The dashboard's work list, the likely-solver link on the challenge page, and a company's own questions."""
import re

from marketplace.extensions import db
from marketplace.models import Question
from marketplace.services.challenges import challenges as challenge_service
from marketplace.services.clock import utcnow


def _section(page, kind):
    found = re.search(rf'<h3 id="work-{kind}">.*?</ul>', page, re.S)
    return found.group(0) if found else ""


def test_the_dashboard_lists_what_waits_with_links(client, login, f):
    challenge = f.Challenge(title="Leaky pipes")
    asker = f.member(f.Company(), "owner")
    db.session.add_all([Question(challenge_id=challenge.id, organisation_id=asker.organisation.id,
                                 asked_by_id=asker.id, body=f"Q{n}") for n in range(2)])
    db.session.commit()
    draft = f.Challenge(agency=challenge.agency, status="draft", published_at=None, title="Draft to read")
    challenge.agency.four_eyes_publishing = True
    publisher, officer = f.member(challenge.agency, "publisher"), f.member(challenge.agency, "procurement_officer")
    challenge_service.request_approval(publisher, draft.slug)
    owner = f.member(challenge.agency, "owner")

    login(owner)
    page = client.get("/dashboard").text
    answer = _section(page, "answer")
    assert f'href="/challenges/{challenge.slug}#questions" lang="en">Leaky pipes</a>' in answer and "2 questions waiting" in answer
    assert f'href="/challenges/{draft.slug}/preview" lang="en">Draft to read</a>' in _section(page, "approve")
    assert f'href="/challenges/{challenge.slug}/matches"' in _section(page, "invite")

    login(officer)
    page = client.get("/dashboard").text
    assert _section(page, "answer") and not _section(page, "approve")  # officers answer, never approve
    assert client.get(f"/challenges/{challenge.slug}/matches").status_code == 200  # the link leads somewhere

    login(publisher)  # asked for approval: it waits for someone else
    assert not _section(client.get("/dashboard").text, "approve")

    quiet = f.member(f.Agency(), "evaluator")
    login(quiet)
    assert "Nothing waits for you." in client.get("/dashboard").text


def test_the_challenge_page_links_the_likely_solvers_for_those_allowed(client, login, f):
    challenge = f.Challenge()
    link = f'href="/challenges/{challenge.slug}/matches"'
    for role, shown in (("owner", True), ("publisher", True), ("procurement_officer", True), ("evaluator", False)):
        login(f.member(challenge.agency, role))
        assert (link in client.get(f"/challenges/{challenge.slug}").text) is shown, role
    login(f.member(f.Company(), "owner"))
    assert link not in client.get(f"/challenges/{challenge.slug}").text


def test_a_company_sees_its_own_questions_waiting_and_answered(client, login, f):
    challenge = f.Challenge()
    asker = f.member(f.Company(), "owner")
    colleague = f.member(asker.organisation, "member")
    db.session.add_all([
        Question(challenge_id=challenge.id, organisation_id=asker.organisation.id, asked_by_id=asker.id,
                 body="Is a pilot in two sites possible?"),
        Question(challenge_id=challenge.id, organisation_id=asker.organisation.id, asked_by_id=asker.id,
                 body="Which data formats?", answer="CSV and JSON.", answered_at=utcnow()),
    ])
    db.session.commit()
    login(colleague)
    own = re.search(r'id="own-questions".*?</ul>', client.get(f"/challenges/{challenge.slug}").text, re.S).group(0)
    assert own.index("Is a pilot in two sites possible?") < own.index("Which data formats?")  # waiting first
    assert "Waiting for an answer" in own and "CSV and JSON." in own
    login(f.member(f.Company(), "owner"))  # another company does not see the waiting question
    page = client.get(f"/challenges/{challenge.slug}").text
    assert 'id="own-questions"' not in page and "two sites" not in page


def test_overdue_pilot_stages_and_payments_carry_the_overdue_tag(client, login, f):
    from datetime import timedelta
    from decimal import Decimal

    from marketplace.models import Pilot
    from marketplace.models.pilot import PaymentMilestone

    challenge = f.Challenge(status="piloting", pitch_deadline=utcnow() - timedelta(days=60),
                            question_deadline=utcnow() - timedelta(days=70))
    pitch = f.Pitch(challenge=challenge, status="selected")
    today = utcnow().date()
    pilot = Pilot(challenge_id=challenge.id, pitch_id=pitch.id, agency_id=challenge.agency_id,
                  company_id=pitch.company_id, stage="running", stage_due_on=today - timedelta(days=3),
                  budget=Decimal("20000"), starts_on=today - timedelta(days=90), ends_on=today + timedelta(days=9))
    pilot.milestones = [PaymentMilestone(position=0, label="Late one", planned_amount=Decimal("100"),
                                         planned_on=today - timedelta(days=2)),
                        PaymentMilestone(position=1, label="Later one", planned_amount=Decimal("100"),
                                         planned_on=today + timedelta(days=20))]
    db.session.add(pilot)
    db.session.commit()
    login(f.member(challenge.agency, "owner"))
    page = client.get(f"/pilots/{pilot.id}").text
    assert page.count('class="tag tag-overdue"') == 2  # the stage and the late payment, not the later one
    dashboard = client.get("/dashboard").text
    assert 'class="tag tag-overdue"' in _section(dashboard, "stages") and 'tag-overdue' in _section(dashboard, "payments")
