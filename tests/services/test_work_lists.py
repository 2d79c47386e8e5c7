"""The work list: what waits for each agency role, with links, in a fixed number of statements; and the four-eyes
approver told when a draft waits for them."""
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from marketplace.extensions import db
from marketplace.models import EmailDelivery, Match, Notification, Pilot, PitchSessionSlot, Question
from marketplace.models.evaluation import ConflictDeclaration, Evaluation, PitchAssessment, Score
from marketplace.models.pilot import PaymentMilestone
from marketplace.services import work_lists
from marketplace.services.challenges import challenges as challenge_service
from marketplace.services.clock import utcnow
from marketplace.services.matching.matching import invite_to_pitch
from marketplace.services.messaging.outbox import process_pending


def _evaluating(f, agency, pitches=2, **evaluation):
    challenge = f.Challenge(agency=agency, status="evaluating", pitch_deadline=utcnow() - timedelta(days=3),
                            question_deadline=utcnow() - timedelta(days=5))
    db.session.add(Evaluation(challenge_id=challenge.id, **evaluation))
    made = []
    for n in range(pitches):
        pitch = f.Pitch(challenge=challenge, status="submitted")
        db.session.add(PitchAssessment(challenge_id=challenge.id, pitch_id=pitch.id, label=chr(65 + n)))
        made.append(pitch)
    db.session.commit()
    return challenge, made


def _pilot(f, agency, stage, due, owner=None):
    challenge = f.Challenge(agency=agency, status="piloting", pitch_deadline=utcnow() - timedelta(days=60),
                            question_deadline=utcnow() - timedelta(days=70))
    pitch = f.Pitch(challenge=challenge, status="selected")
    today = utcnow().date()
    pilot = Pilot(challenge_id=challenge.id, pitch_id=pitch.id, agency_id=agency.id, company_id=pitch.company_id,
                  stage=stage, stage_due_on=due, budget=Decimal("20000"), starts_on=today - timedelta(days=90),
                  ends_on=today - timedelta(days=1), owner_id=owner.id if owner else None)
    pilot.milestones = [PaymentMilestone(position=0, label="First half", planned_amount=Decimal("10000"),
                                         planned_on=today - timedelta(days=1)),
                        PaymentMilestone(position=1, label="Paid already", planned_amount=Decimal("5000"),
                                         planned_on=today - timedelta(days=30), paid_amount=Decimal("5000"),
                                         paid_on=today - timedelta(days=29))]
    db.session.add(pilot)
    db.session.commit()
    return pilot


@pytest.fixture
def world(f):
    agency = f.Agency(four_eyes_publishing=True)
    people = {role: f.member(agency, role) for role in ("owner", "publisher", "procurement_officer", "evaluator")}
    people["second_publisher"] = f.member(agency, "publisher")
    draft = f.Challenge(agency=agency, status="draft", published_at=None, title="Draft waiting")
    challenge_service.request_approval(people["publisher"], draft.slug)
    open_one = f.Challenge(agency=agency, title="Open one")
    asker = f.member(f.Company(), "owner")
    db.session.add_all([Question(challenge_id=open_one.id, organisation_id=asker.organisation.id, asked_by_id=asker.id,
                                 body=f"Question {n}") for n in range(2)])
    db.session.add(Question(challenge_id=open_one.id, body="Done", answer="Yes", answered_at=utcnow()))
    scoring, pitches = _evaluating(f, agency)
    scoring.title = "Being scored"
    db.session.add(ConflictDeclaration(challenge_id=scoring.id, evaluator_id=people["evaluator"].id, conflicted=False))
    for criterion in scoring.criteria:  # the evaluator scored the first pitch on every criterion
        db.session.add(Score(challenge_id=scoring.id, pitch_id=pitches[0].id, criterion_id=criterion.id,
                             evaluator_id=people["evaluator"].id, score=3))
    db.session.add(Score(challenge_id=scoring.id, pitch_id=pitches[1].id, criterion_id=scoring.criteria[0].id,
                         evaluator_id=people["evaluator"].id, score=4))  # the second only in part
    db.session.add(PitchSessionSlot(challenge_id=scoring.id, starts_at=utcnow() + timedelta(days=2),
                                    ends_at=utcnow() + timedelta(days=2, hours=1), mode="online",
                                    link="https://meet.example.org/a", pitch_id=pitches[0].id, booked_at=utcnow()))
    deciding, _ = _evaluating(f, agency, pitches=3, finalised_at=utcnow())
    deciding.title = "Being decided"
    sent, _ = _evaluating(f, agency, finalised_at=utcnow(), decisions_published_at=utcnow())  # nothing left there
    closed = f.Challenge(agency=agency, status="closed", title="Closed with pitches",
                         pitch_deadline=utcnow() - timedelta(days=1), question_deadline=utcnow() - timedelta(days=5))
    for status in ("submitted", "submitted", "draft"):
        f.Pitch(challenge=closed, status=status)
    f.Challenge(agency=agency, status="closed", title="Closed without pitches",  # nothing to evaluate
                pitch_deadline=utcnow() - timedelta(days=1), question_deadline=utcnow() - timedelta(days=5))
    pilot = _pilot(f, agency, "evaluation", utcnow().date() - timedelta(days=1))
    _pilot(f, agency, "running", utcnow().date() + timedelta(days=60))  # not due yet (its milestone is)
    # another agency's work never shows
    other = f.Agency()
    f.member(other, "owner")
    elsewhere = f.Challenge(agency=other)
    db.session.add(Question(challenge_id=elsewhere.id, body="Elsewhere"))
    _evaluating(f, other, finalised_at=utcnow())
    _pilot(f, other, "evaluation", utcnow().date() - timedelta(days=1))
    db.session.commit()
    return {"people": people, "draft": draft, "open": open_one, "scoring": scoring, "scoring_pitches": pitches, "deciding": deciding,
            "pilot": pilot, "closed": closed}


def _summary(user):
    return {section.kind: [(item.subject, item.count) for item in section.items]
            for section in work_lists.work_list(user)}


def test_each_role_sees_what_waits_for_it(world):
    w, p = world, world["people"]
    pilots = [("Fewer" in title, count) for title, count in _summary(p["owner"])["stages"]]
    assert pilots == [(True, 1)]  # only the overdue pilot of this agency
    owner = _summary(p["owner"])
    assert owner["approve"] == [("Draft waiting", 1)]
    assert owner["answer"] == [("Open one", 2)]
    assert owner["decide"] == [("Being decided", 3)]
    assert owner["start"] == [("Closed with pitches", 1)]  # one evaluation to start (its detail counts the pitches)
    start = {s.kind: s.items for s in work_lists.work_list(p["owner"])}["start"][0]
    assert str(start.detail).startswith("2 pitches received")  # the submitted ones: a draft is not received
    assert owner["finalise"] == [("Being scored", 1)]  # the evaluator has scored: it may be finalised
    assert owner["invite"] == [("Open one", 1)]
    assert len(owner["payments"]) == 2 and len(owner["outcomes"]) == 1
    assert "score" not in owner and "sessions" in owner  # the owner manages the evaluation, is not on the panel

    publisher = _summary(p["publisher"])
    assert "approve" not in publisher  # asked for approval: someone else approves
    assert set(publisher) == {"answer", "invite"}
    assert _summary(p["second_publisher"])["approve"] == [("Draft waiting", 1)]

    officer = _summary(p["procurement_officer"])
    # Not declared yet: declare, then score both; finalised without their declaration: declare, nothing to score.
    # Either way what they must do is declare: under that heading, not under the pitches to score.
    assert officer["declare"] == [("Being scored", 1), ("Being decided", 1)] and "score" not in officer
    assert officer["start"] == [("Closed with pitches", 1)]
    # On the panel and not declared: the ranking (and finalising), the decisions and the sessions come after the
    # declaration, finalised or not, as the pitches do.
    assert set(officer) == {"answer", "start", "declare", "stages", "payments", "outcomes", "invite"}

    evaluator = _summary(p["evaluator"])
    assert evaluator == {"score": [("Being scored", 1)], "declare": [("Being decided", 1)],
                         "sessions": [("Being scored", 1)]}
    late = {s.kind: s.items for s in work_lists.work_list(p["evaluator"])}["declare"][0]
    assert str(late.detail).startswith("The evaluation is finalised: declare") and late.link.endswith("/evaluation")
    db.session.add(ConflictDeclaration(challenge_id=w["deciding"].id, evaluator_id=p["evaluator"].id, conflicted=False))
    db.session.commit()
    assert _summary(p["evaluator"])["score"] == [("Being scored", 1)]  # declared: nothing left there
    assert "declare" not in _summary(p["evaluator"])


def test_an_evaluation_is_to_finalise_once_a_score_counts_and_never_for_the_recused(world, f):
    p, scoring = world["people"], world["scoring"]
    evaluator = p["evaluator"]
    db.session.execute(Score.__table__.delete().where(Score.challenge_id == scoring.id))
    db.session.commit()
    assert "finalise" not in _summary(p["owner"])  # nobody has scored: finalising would be refused
    recused = f.member(scoring.agency, "evaluator")
    db.session.add(ConflictDeclaration(challenge_id=scoring.id, evaluator_id=recused.id, conflicted=True))
    db.session.add(Score(challenge_id=scoring.id, pitch_id=world["scoring_pitches"][0].id,
                         criterion_id=scoring.criteria[0].id, evaluator_id=recused.id, score=5))
    db.session.commit()
    assert "finalise" not in _summary(p["owner"])  # a recused evaluator's score does not count
    db.session.add(Score(challenge_id=scoring.id, pitch_id=world["scoring_pitches"][0].id,
                         criterion_id=scoring.criteria[0].id, evaluator_id=evaluator.id, score=3))
    db.session.commit()
    assert _summary(p["owner"])["finalise"] == [("Being scored", 1)]
    db.session.add(ConflictDeclaration(challenge_id=scoring.id, evaluator_id=p["procurement_officer"].id,
                                       conflicted=True))
    db.session.commit()
    assert "finalise" not in _summary(p["procurement_officer"])  # recused: finalising refuses them


def test_links_lead_to_the_pages_where_the_work_is_done(world):
    w = world
    by_kind = {s.kind: s.items for s in work_lists.work_list(w["people"]["procurement_officer"])}
    assert by_kind["answer"][0].link == f"/challenges/{w['open'].slug}#questions"
    assert by_kind["invite"][0].link == f"/challenges/{w['open'].slug}/matches"
    assert by_kind["declare"][0].link == f"/challenges/{w['scoring'].slug}/evaluation"
    owner = {s.kind: s.items for s in work_lists.work_list(w["people"]["owner"])}
    assert owner["decide"][0].link == f"/challenges/{w['deciding'].slug}/evaluation"
    assert by_kind["start"][0].link == f"/challenges/{w['closed'].slug}/evaluation"
    assert by_kind["outcomes"][0].link == f"/pilots/{w['pilot'].id}"
    evaluator = {s.kind: s.items for s in work_lists.work_list(w["people"]["evaluator"])}
    assert evaluator["score"][0].link == f"/challenges/{w['scoring'].slug}/evaluation/scores"
    approve = {s.kind: s.items for s in work_lists.work_list(w["people"]["owner"])}["approve"]
    assert approve[0].link == f"/challenges/{w['draft'].slug}/preview"


def test_a_challenge_leaves_companies_to_invite_once_someone_has_invited_a_company(world, f):
    officer, open_one = world["people"]["procurement_officer"], world["open"]
    company = f.Company()
    db.session.add(Match(challenge_id=open_one.id, organisation_id=company.id, score=40, reasons=[]))
    db.session.commit()
    assert _summary(officer)["invite"] == [("Open one", 1)]  # matched is not invited
    invite_to_pitch(officer, open_one, company.id)
    assert "invite" not in _summary(officer)
    assert "invite" not in _summary(world["people"]["owner"])  # done for the agency, whoever did it


def test_a_recused_panel_member_is_sent_to_neither_the_decisions_nor_the_pitch_sessions(world):
    """Recused, the officer may not send the decisions nor see the sessions booked (the overview names who runs them
    instead); a recused evaluator is not invited to the sessions. The work list led them to a page with nothing to do."""
    w, p = world, world["people"]
    officer, evaluator = p["procurement_officer"], p["evaluator"]
    db.session.add(PitchSessionSlot(challenge_id=w["deciding"].id, starts_at=utcnow() + timedelta(days=3),
                                    ends_at=utcnow() + timedelta(days=3, hours=1), mode="online",
                                    link="https://meet.example.org/b", pitch_id=db.session.scalar(
                                        select(PitchAssessment.pitch_id).filter_by(challenge_id=w["deciding"].id).limit(1)),
                                    booked_at=utcnow()))
    db.session.add(ConflictDeclaration(challenge_id=w["deciding"].id, evaluator_id=officer.id, conflicted=True))
    db.session.add(ConflictDeclaration(challenge_id=w["scoring"].id, evaluator_id=officer.id, conflicted=False))
    db.session.query(ConflictDeclaration).filter_by(challenge_id=w["scoring"].id, evaluator_id=evaluator.id).update(
        {"conflicted": True})
    db.session.commit()
    officer_list = _summary(officer)
    assert "decide" not in officer_list
    assert officer_list["sessions"] == [("Being scored", 1)]  # not recused there
    assert _summary(p["owner"])["decide"] == [("Being decided", 3)]  # who sends them instead
    assert sorted(_summary(p["owner"])["sessions"]) == [("Being decided", 1), ("Being scored", 1)]
    # Recused from the one being scored; never declared on the one finalised (asked to, for what remains: its
    # sessions come after the declaration).
    assert _summary(evaluator) == {"declare": [("Being decided", 1)]}


def test_after_the_shortlist_only_the_shortlisted_companies_wait_for_their_decision(world):
    """The companies not shortlisted were told with the shortlist: 'Decisions to send' counted them still."""
    w, owner = world, world["people"]["owner"]
    evaluation_ = db.session.scalars(select(Evaluation).filter_by(challenge_id=w["deciding"].id)).one()
    evaluation_.shortlist_sent_at = utcnow()
    for assessment, sent in zip(db.session.scalars(select(PitchAssessment).filter_by(
            challenge_id=w["deciding"].id).order_by(PitchAssessment.label)), ("shortlisted", "not_selected", "not_selected")):
        assessment.published_decision, assessment.published_at = sent, utcnow()
    db.session.commit()
    assert _summary(owner)["decide"] == [("Being decided", 1)]


def test_companies_and_people_without_an_organisation_have_no_work_list(f):
    assert work_lists.work_list(f.member(f.Company(), "owner")) == []
    assert work_lists.work_list(f.User()) == []


def _statements(user):
    db.session.expire_all()
    user = db.session.get(type(user), user.id)
    user.membership, user.organisation  # the signed-in person is loaded already on a page
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        sections = work_lists.work_list(user)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen), sum(s.count for s in sections)


def test_the_work_list_takes_the_same_few_statements_however_much_waits(world, f):
    officer = world["people"]["procurement_officer"]
    before, waiting = _statements(officer)
    agency = officer.organisation
    for _ in range(3):  # more of everything
        more = f.Challenge(agency=agency)
        db.session.add_all([Question(challenge_id=more.id, body="More?") for _ in range(3)])
        _evaluating(f, agency, pitches=2)
        _evaluating(f, agency, pitches=2, finalised_at=utcnow())
        _pilot(f, agency, "evaluation", utcnow().date())
    db.session.commit()
    after, waiting_after = _statements(officer)
    assert waiting_after > waiting
    assert after == before <= 9


def test_a_four_eyes_approver_is_told_once_by_notice_and_email(f, smtp_sink):
    agency = f.Agency(four_eyes_publishing=True)
    asker, approver, owner = f.member(agency, "publisher"), f.member(agency, "publisher"), f.member(agency, "owner")
    f.member(agency, "procurement_officer")  # may not approve: not told
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    challenge_service.request_approval(asker, draft.slug)
    process_pending()
    process_pending()
    told = Counter(db.session.scalars(select(Notification.user_id)
                                      .where(Notification.kind == "challenge.approval_requested")))
    assert told == Counter({approver.id: 1, owner.id: 1})
    emails = db.session.scalars(select(EmailDelivery).where(EmailDelivery.subject.contains(draft.title))).all()
    assert sorted(e.to_address for e in emails) == sorted([approver.email, owner.email])
    assert all(f"/challenges/{draft.slug}/preview" in e.body_text for e in emails)
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted([approver.email, owner.email])


def _approval_asked(f):
    """A four-eyes agency's publisher who asked for approval, its owner who may give it, and the draft."""
    agency = f.Agency(four_eyes_publishing=True)
    asker, approver = f.member(agency, "publisher"), f.member(agency, "owner")
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    challenge_service.request_approval(asker, draft.slug)
    process_pending()
    return asker, approver, draft


def test_the_asker_is_told_once_when_a_colleague_approves_and_publishes(f, smtp_sink):
    asker, approver, draft = _approval_asked(f)
    challenge_service.approve_challenge(approver, draft.slug)
    process_pending()
    process_pending()
    told = Counter(db.session.scalars(select(Notification.user_id).where(Notification.kind == "challenge.approved")))
    assert told == Counter({asker.id: 1})
    notice = db.session.scalar(select(Notification).where(Notification.kind == "challenge.approved"))
    assert draft.title in notice.title and approver.name in notice.body
    emails = db.session.scalars(select(EmailDelivery).where(EmailDelivery.to_address == asker.email,
                                                            EmailDelivery.subject.contains("approved"))).all()
    assert len(emails) == 1 and f"/challenges/{draft.slug}" in emails[0].body_text


def test_the_asker_is_told_once_why_a_colleague_sent_the_draft_back(f, smtp_sink):
    asker, approver, draft = _approval_asked(f)
    challenge_service.send_back(approver, draft.slug, "The budget is missing its VAT.")
    process_pending()
    process_pending()
    notices = db.session.scalars(select(Notification).where(Notification.kind == "challenge.approval_refused")).all()
    assert [n.user_id for n in notices] == [asker.id]
    assert draft.title in notices[0].title
    assert approver.name in notices[0].body and "The budget is missing its VAT." in notices[0].body
    assert notices[0].link == f"/challenges/{draft.slug}/preview"
    emails = db.session.scalars(select(EmailDelivery).where(EmailDelivery.to_address == asker.email,
                                                            EmailDelivery.subject.contains("sent back"))).all()
    assert len(emails) == 1 and "The budget is missing its VAT." in emails[0].body_text


def test_nobody_hears_of_an_approval_when_the_challenge_was_published_directly(f):
    agency = f.Agency()
    publisher = f.member(agency, "publisher")
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    challenge_service.publish_challenge(publisher, draft.slug)
    process_pending()
    assert db.session.scalar(select(Notification.id).where(Notification.kind == "challenge.approved")) is None


def test_overdue_stages_and_payments_are_marked_with_their_due_date(world, f):
    from marketplace.services.pilots.pilot_workflow import overdue_since

    yesterday = utcnow().date() - timedelta(days=1)
    by_kind = {s.kind: s.items for s in work_lists.work_list(world["people"]["owner"])}
    assert [item.overdue for item in by_kind["stages"]] == [yesterday]
    assert [item.overdue for item in by_kind["payments"]] == [yesterday, yesterday]
    pilot = world["pilot"]
    paid = next(m for m in pilot.milestones if m.paid_on)
    assert overdue_since(paid) is None  # done: never overdue
    pilot.stage = "adopted"
    assert overdue_since(pilot) is None
    pilot.stage, pilot.stage_due_on = "running", utcnow().date()
    assert overdue_since(pilot) is None  # due today is not overdue yet
    assert overdue_since(pilot, today=utcnow().date() + timedelta(days=1)) == utcnow().date()


def test_a_latecomer_is_asked_to_declare_under_its_own_heading_while_a_declaration_still_changes_something(world, f):
    """Given the panel's role late, what a person must do is declare — before finalising, once finalised, and after
    the final decisions while a selected pitch has no pilot yet (`evaluation.what_remains`) — always under the
    heading that says so, never under "Pitches to score" when nothing is left to score; once every selected pitch
    has its pilot, nothing is asked."""
    w, p = world, world["people"]
    late = f.member(w["scoring"].agency, "evaluator")
    sent, pitches = _evaluating(f, w["scoring"].agency, finalised_at=utcnow(), decisions_published_at=utcnow())
    sent.title = "Decisions sent"
    pitches[0].status = "selected"
    db.session.commit()
    sections = {s.kind: s for s in work_lists.work_list(late)}
    assert "score" not in sections
    assert str(sections["declare"].heading) == "Conflicts of interest to declare"
    assert [(i.subject, i.count) for i in sections["declare"].items] == [
        ("Being scored", 1), ("Being decided", 1), ("Decisions sent", 1)]  # one declaration each
    assert str(sections["declare"].items[0].detail) == "Declare any conflict of interest, then score 2 pitches."
    after = sections["declare"].items[2]
    assert str(after.detail).startswith("The final decisions are sent: declare") and \
        after.link == f"/challenges/{sent.slug}/evaluation"
    db.session.add(Pilot(challenge_id=sent.id, pitch_id=pitches[0].id, agency_id=sent.agency_id,
                         company_id=pitches[0].company_id, stage="agreement", budget=Decimal("1000"),
                         starts_on=utcnow().date(), ends_on=utcnow().date() + timedelta(days=30)))
    db.session.commit()
    assert [i.subject for i in {s.kind: s for s in work_lists.work_list(late)}["declare"].items] == [
        "Being scored", "Being decided"]  # its pilot started: nothing left for a declaration to change
