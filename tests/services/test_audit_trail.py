"""The per-challenge audit trail: who may read it, what it holds, and a CSV that is safe to open."""
import csv
import io
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.services import audit
from marketplace.services.clock import utcnow
from marketplace.services.open_data import spreadsheets
from marketplace.services.errors import NotFound
from marketplace.services.messaging.events import record_change


@pytest.fixture
def trail(f):
    challenge = f.Challenge()
    owner = f.member(challenge.agency, "owner")
    publisher = f.member(challenge.agency, "publisher")
    record_change(publisher, "challenge.updated", challenge, before={"title": "Old"},
                  after={"title": "=HYPERLINK(\"http://evil\")"}, challenge_id=challenge.id)
    record_change(None, "challenge.closed", challenge, before={"status": "published"}, after={"status": "closed"},
                  challenge_id=challenge.id)
    db.session.commit()
    return challenge, owner, publisher


def test_the_owner_its_officers_and_admins_read_it_others_get_not_found(trail, f):
    challenge, owner, publisher = trail
    _, rows = audit.challenge_trail(owner, challenge.id)
    assert [event.action for event, _ in rows] == ["challenge.updated", "challenge.closed"]
    assert rows[0][1] == publisher.email and rows[1][1] is None
    audit.challenge_trail(f.admin(), challenge.id)
    audit.challenge_trail(f.member(challenge.agency, "procurement_officer"), challenge.id)
    for stranger in (publisher, f.member(challenge.agency, "evaluator"), f.member(f.Agency(), "owner"),
                     f.member(f.Agency(), "procurement_officer"), f.member(f.Company(), "owner")):
        with pytest.raises(NotFound):
            audit.challenge_trail(stranger, challenge.id)
    with pytest.raises(NotFound):
        audit.challenge_trail(owner, challenge.id + 1000)


def test_events_on_pitches_stay_sealed_from_the_owner_until_it_may_read_them(trail, f):
    challenge, owner, _ = trail
    company = f.member(f.Company(), "owner")
    pitch = f.Pitch(challenge=challenge, company=company.organisation, status="submitted")
    record_change(company, "pitch.submitted", pitch, after={"status": "submitted"}, challenge_id=challenge.id)
    db.session.commit()
    _, entries = audit.readable_trail(owner, challenge.id)
    assert company.email not in [entry.email for entry in entries]
    assert "pitch.submitted" not in audit.trail_as_csv(entries)
    _, rows = audit.challenge_trail(f.admin(), challenge.id)
    assert [email for event, email in rows if event.action == "pitch.submitted"] == [company.email]
    challenge.pitch_deadline, challenge.status = utcnow() - timedelta(days=1), "closed"
    challenge.kind = "market_consultation"  # not evaluated: its agency reads the answers once unsealed
    db.session.commit()
    _, rows = audit.challenge_trail(owner, challenge.id)
    assert [email for event, email in rows if event.action == "pitch.submitted"] == [company.email]


def test_scores_stay_out_of_the_trail_of_a_panel_member_kept_from_the_ranking(f):
    from marketplace.services.evaluation import evaluation

    challenge = f.Challenge(status="closed", pitch_deadline=utcnow() - timedelta(days=1))
    f.Pitch(challenge=challenge, status="submitted")
    owner, officer, evaluator = (f.member(challenge.agency, role) for role in ("owner", "procurement_officer",
                                                                               "evaluator"))
    evaluation.start_evaluation(owner, challenge.id)
    evaluation.declare_conflict(evaluator, challenge.id, conflicted=False)
    [view] = evaluation.assessments(evaluator, challenge.id)
    evaluation.score_pitch(evaluator, view["assessment_id"], challenge.criteria[0].id, score=4)

    def actions(user):
        return [event.action for event, _ in audit.challenge_trail(user, challenge.id)[1]]
    assert "evaluation.scored" in actions(owner)
    assert "evaluation.scored" not in actions(officer)  # on the panel, not declared: no ranking, no score
    evaluation.declare_conflict(officer, challenge.id, conflicted=True, note="My brother's firm.")
    assert "evaluation.scored" not in actions(officer)  # recused: "you see no pitches and no scores"


def test_csv_has_every_change_with_before_and_after_its_sentence_and_no_formulas(trail):
    challenge, owner, publisher = trail
    _, entries = audit.readable_trail(owner, challenge.id)
    parsed = list(csv.reader(io.StringIO(audit.trail_as_csv(entries))))
    assert parsed[0] == list(audit.CSV_COLUMNS)
    assert parsed[1][2] == publisher.email and parsed[1][3] == "challenge.updated"
    assert parsed[1][4:6] == ["challenges", str(challenge.id)]
    assert parsed[1][6] == '{"title": "Old"}'
    assert not parsed[1][7].startswith("=")
    assert parsed[1][8] == f"{publisher.name} edited “{challenge.title}”: Title."
    assert parsed[2][2] == "system"
    assert parsed[2][8] == f"Agora (automatically) closed “{challenge.title}” at its pitch deadline."


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=x"])
def test_spreadsheet_formulas_are_neutralised(value):
    assert spreadsheets.safe_cell(value) == "'" + value
    assert spreadsheets.safe_cell("plain") == "plain"
