"""The audit trail as sentences: names and titles instead of codes and ids, looked up in a few statements, and
the companies still hidden from the panel in the blind round."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from marketplace.extensions import db
from marketplace.models import Match, Pilot
from marketplace.services import audit
from marketplace.services.audit_trail import SENTENCES
from marketplace.services.clock import utcnow
from marketplace.services.evaluation import evaluation
from marketplace.services.messaging.events import record_audit_only, record_change
from tests.statements import Statements

TITLE = "Smart water meters"


@pytest.fixture
def world(f):
    challenge = f.Challenge(title=TITLE, status="closed", pitch_deadline=utcnow() - timedelta(days=1))
    company = f.Company(name="AquaData SA", registration_number="0123.456.789", website="aquadata.be")
    pitch = f.Pitch(challenge=challenge, company=company, status="submitted", submitted_at=utcnow(),
                    title="AquaData leak finder")
    people = {"owner": f.member(challenge.agency, "owner", name="Marie Dupont"),
              "officer": f.member(challenge.agency, "procurement_officer", name="Jan Peeters"),
              "company": f.member(company, "owner", name="Lea Muller"), "admin": f.admin(name="Ada Admin")}
    pilot = Pilot(challenge_id=challenge.id, pitch_id=pitch.id, agency_id=challenge.agency_id, company_id=company.id,
                  budget=Decimal("25000"), starts_on=date(2030, 3, 1), ends_on=date(2030, 6, 1))
    match = Match(challenge_id=challenge.id, organisation_id=company.id, score=0.8)
    db.session.add_all([pilot, match])
    db.session.commit()
    return challenge, pitch, pilot, match, people


def _cases(challenge, pitch, pilot, match, people):
    """(actor, action, object, before, after, the sentence an admin reads) for every kind of event."""
    marie, jan, lea = people["owner"].name, people["officer"].name, people["company"].name
    the_pitch = "the pitch “AquaData leak finder” by AquaData SA"
    with_company = "the pilot with AquaData SA"
    criterion = challenge.criteria[0]
    c = f"“{TITLE}”"
    return [
        ("owner", "challenge.created", challenge, None, {"title": TITLE}, f"{marie} created the draft {c}."),
        ("owner", "challenge.updated", challenge, {"title": "Old", "summary": "s", "status": "draft"},
         {"title": TITLE, "summary": "s", "status": "draft", "pitch_deadline": "2030-01-01"},
         f"{marie} edited {c}: Title, Pitch deadline."),
        ("owner", "challenge.approval_requested", challenge, None, None,
         f"{marie} asked for {c} to be approved for publishing."),
        ("owner", "challenge.approval_refused", challenge, None, {"reason": "VAT missing."},
         f"{marie} sent {c} back to its author without publishing it. Reason: VAT missing."),
        ("owner", "challenge.published", challenge, None, None, f"{marie} published {c}."),
        (None, "challenge.closed", challenge, None, None, f"Agora (automatically) closed {c} at its pitch deadline."),
        ("officer", "challenge.evaluation_started", challenge, None, None, f"{jan} started the evaluation of {c}."),
        ("officer", "challenge.piloting", challenge, None, None, f"{jan} moved {c} to piloting."),
        ("owner", "challenge.consultation_summarised", challenge, None, None,
         f"{marie} published the summary of the consultation {c}."),
        (None, "challenge.completed", challenge, None, None, f"Agora (automatically) completed {c}."),
        ("owner", "challenge.cancelled", challenge, None, {"cancel_reason": "Budget withdrawn."},
         f"{marie} cancelled {c}. Reason: Budget withdrawn."),
        ("company", "challenge.followed", challenge, None, None, f"{lea} followed {c}."),
        ("company", "challenge.unfollowed", challenge, None, None, f"{lea} stopped following {c}."),
        ("officer", "challenge.invitation_to_pitch_sent", match, {"invited_at": None}, {"invited_at": "2030-01-01"},
         f"{jan} invited AquaData SA to pitch for {c}."),
        ("company", "question.asked", challenge, None, {"body": "?"}, f"{lea} asked a question about {c}."),
        ("owner", "question.answered", challenge, None, {"answer": "!"}, f"{marie} answered a question about {c}."),
        ("company", "pitch.created", pitch, None, None, f"{lea} started writing {the_pitch}."),
        ("company", "pitch.submitted", pitch, None, {"status": "submitted"}, f"{lea} submitted {the_pitch}."),
        ("company", "pitch.resubmitted", pitch, None, None, f"{lea} submitted a new version of {the_pitch}."),
        ("company", "pitch.withdrawn", pitch, {"status": "submitted"}, {"status": "withdrawn"},
         f"{lea} withdrew {the_pitch}."),
        ("company", "pitch.attachment_added", pitch, None, {"filename": "brochure.pdf"},
         f"{lea} added the file “brochure.pdf” to {the_pitch}."),
        ("company", "pitch.attachment_removed", pitch, {"filename": "old.pdf"}, None,
         f"{lea} removed the file “old.pdf” from {the_pitch}."),
        ("officer", "pitch.decided", pitch, None, {"status": "shortlisted"},
         f"{jan} told the company of {the_pitch} its outcome: shortlisted."),
        (None, "pitch.access_refused", pitch, None, None, f"Someone who was not signed in was refused access to "
                                                         f"{the_pitch}."),
        ("officer", "evaluation.conflict_declared", challenge, None, {"conflicted": False},
         f"{jan} declared no conflict of interest for {c}."),
        ("owner", "evaluation.conflict_declared", challenge, None, {"conflicted": True},
         f"{marie} declared a conflict of interest and stays out of the evaluation of {c}."),
        ("officer", "evaluation.scored", challenge, None, {"label": "A", "criterion_id": criterion.id, "score": 4},
         f"{jan} scored Pitch A on “Fit to the problem”: 4."),
        ("officer", "evaluation.finalised", challenge, None, None, f"{jan} finalised the evaluation of {c}."),
        ("officer", "evaluation.decided", challenge, None, {"label": "A", "decision": "not_selected"},
         f"{jan} decided on Pitch A: not selected."),
        ("officer", "pitch_session.offered", challenge, None,
         {"starts_at": datetime(2030, 3, 14, 10, 0, tzinfo=timezone.utc).isoformat(), "mode": "online"},
         f"{jan} offered a pitch session on 14 March 2030, 11:00 (online)."),
        ("company", "pitch_session.booked", challenge, None, {"pitch_id": pitch.id},
         f"{lea} booked a pitch session for {the_pitch}."),
        ("officer", "pilot.started", pilot, None, {"budget": "25000"},
         f"{jan} started a pilot with AquaData SA, with a budget of €25,000."),
        ("owner", "pilot.budget_approved", pilot, None, {"budget": "25000"},
         f"{marie} approved the budget of {with_company}: €25,000."),
        ("officer", "pilot.budget_increase_requested", pilot, None, {"amount": "2500.50", "increase": 1},
         f"{jan} asked to raise the budget of {with_company} by €2,500.50."),
        ("owner", "pilot.budget_increase_approved", pilot, None, {"amount": "2500.50", "increase": 1},
         f"{marie} approved raising the budget of {with_company} by €2,500.50."),
        ("officer", "pilot.measure_judged", pilot, None, {"measure": 1, "result": "met"},
         f"{jan} judged a success measure of {with_company}."),
        ("officer", "pilot.outcome_written", pilot, None, {"outcome_summary": "x"},
         f"{jan} wrote the outcome of {with_company}."),
        ("officer", "pilot.payment_recorded", pilot, None, {"milestone": 1, "paid_amount": "1000", "paid_on": "x"},
         f"{jan} recorded a payment of €1,000 for {with_company}."),
        ("company", "pilot.message_posted", pilot, None, None, f"{lea} wrote a message in {with_company}."),
        ("officer", "pilot.document_added", pilot, None, {"kind": "agreement", "filename": "signed.pdf"},
         f"{jan} added the document “signed.pdf” to {with_company}."),
        ("officer", "pilot.stage_changed", pilot, {"stage": "agreement"}, {"stage": "running"},
         f"{jan} moved {with_company} from “Agreement” to “Running”."),
        ("owner", "challenge.something_new", challenge, None, None,
         f"{marie} recorded “something new” on {c}."),
    ]


def _record(world):
    challenge, pitch, pilot, match, people = world
    cases = _cases(challenge, pitch, pilot, match, people)
    for actor, action, obj, before, after, _ in cases:
        if action == "pitch.access_refused":
            record_audit_only(None, action, "pitches", pitch.id, challenge_id=challenge.id)
        else:
            record_change(people[actor] if actor else None, action, obj, before=before, after=after,
                          challenge_id=challenge.id)
    db.session.commit()
    return cases


def test_every_kind_of_event_reads_as_a_sentence_with_names_and_titles(world):
    cases = _record(world)
    assert {action for _, action, *_ in cases} >= set(SENTENCES)  # no kind left without its case here
    _, entries = audit.readable_trail(world[4]["admin"], world[0].id)
    assert [entry.sentence for entry in entries] == [case[-1] for case in cases]


def test_the_names_are_looked_up_together_not_per_row(world, f):
    challenge, pitch, pilot, match, people = world
    admin = people["admin"]
    counts = []
    for _ in range(2):
        _record(world)  # the trail grows by every kind of event, with more people acting
        for role in ("owner", "procurement_officer"):
            record_change(f.member(challenge.agency, role), "challenge.updated", challenge, after={"title": "x"},
                          challenge_id=challenge.id)
        db.session.commit()
        db.session.expire_all()
        with Statements() as statements:
            _, entries = audit.readable_trail(admin, challenge.id)
            assert all(entry.sentence for entry in entries)
        counts.append((len(entries), statements.count))
    assert counts[1][0] > counts[0][0] and counts[1][1] == counts[0][1], counts


def test_the_panel_reads_the_blind_round_without_the_companies_then_with_them_once_finalised(world):
    challenge, pitch, pilot, match, people = world
    officer, company = people["officer"], people["company"]
    record_change(company, "pitch.submitted", pitch, after={"status": "submitted"}, challenge_id=challenge.id)
    record_change(officer, "challenge.invitation_to_pitch_sent", match, challenge_id=challenge.id)
    db.session.commit()
    evaluation.start_evaluation(officer, challenge.id)
    evaluation.declare_conflict(officer, challenge.id, conflicted=False)
    _, entries = audit.readable_trail(officer, challenge.id)
    text = "\n".join(entry.sentence for entry in entries)
    assert "[company] submitted Pitch A." in text
    assert f"Jan Peeters invited [company] to pitch for “{TITLE}”." in text
    assert "AquaData" not in text and "Lea Muller" not in text
    assert "AquaData" not in audit.trail_as_csv(entries)
    _, entries = audit.readable_trail(people["admin"], challenge.id)  # the platform's staff: as recorded
    assert "Lea Muller submitted the pitch “AquaData leak finder” by AquaData SA." in [e.sentence for e in entries]
    [row] = evaluation.assessments(officer, challenge.id)
    evaluation.score_sheet(officer, row["assessment_id"], {c.id: ("3", "") for c in challenge.criteria})
    evaluation.finalise_evaluation(officer, challenge.id)
    _, entries = audit.readable_trail(officer, challenge.id)
    assert "Lea Muller submitted the pitch “AquaData leak finder” by AquaData SA." in [e.sentence for e in entries]

