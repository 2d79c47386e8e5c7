"""The challenge lifecycle table: every allowed move, refusals with their reasons, stamps, events, one writer."""
import ast
import pathlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, Challenge, OutboxEvent, Pilot
from marketplace.models.pilot import ADOPTED
from marketplace.services.challenges import lifecycle
from marketplace.services.clock import utcnow
from marketplace.services.errors import InvalidTransition, ValidationFailed

# The table as the product describes it; changing lifecycle.MOVES without changing this is a mistake.
EXPECTED = {
    ("draft", "published", "challenge.published", "published_at"),
    ("published", "closed", "challenge.closed", "closed_at"),
    ("closed", "evaluating", "challenge.evaluation_started", None),
    ("closed", "piloting", "challenge.piloting", None),
    ("evaluating", "piloting", "challenge.piloting", None),
    ("closed", "completed", "challenge.consultation_summarised", None),
    ("piloting", "completed", "challenge.completed", None),
    *{(s, "cancelled", "challenge.cancelled", "cancelled_at")
      for s in ("draft", "published", "closed", "evaluating", "piloting")},
}
ALL_MOVES = sorted((m.name, source) for m in lifecycle.MOVES for source in m.sources)


def test_the_table_is_the_one_the_product_describes():
    assert {(s, m.target, m.event, m.stamp) for m in lifecycle.MOVES for s in m.sources} == EXPECTED
    assert [m.name for m in lifecycle.MOVES if m.due is not None] == ["close"]  # the clock's only move


def _challenge_ready_for(f, move, source):
    """A challenge in `source` whose guard lets `move` happen."""
    past = utcnow() - timedelta(days=1)
    kind = "market_consultation" if move.name == "summarise" else "call_for_solutions"
    deadline = utcnow() + timedelta(days=30) if source in ("draft",) else past
    challenge = f.Challenge(status=source, kind=kind, pitch_deadline=deadline,
                            question_deadline=deadline - timedelta(hours=1),
                            published_at=None if source == "draft" else past)
    if move.name == "complete":
        pitch = f.Pitch(challenge=challenge, status="selected")
        db.session.add(Pilot(challenge=challenge, pitch=pitch, agency_id=challenge.agency_id,
                             company_id=pitch.company_id, budget=1000, starts_on=past.date(), ends_on=past.date(),
                             stage=ADOPTED))
        db.session.commit()
    return challenge


@pytest.mark.parametrize("name,source", ALL_MOVES)
def test_every_allowed_move_sets_the_status_stamps_the_time_and_records_its_event(f, name, source):
    move = next(m for m in lifecycle.MOVES if m.name == name)
    challenge = _challenge_ready_for(f, move, source)
    officer = f.member(challenge.agency, "procurement_officer")
    assert lifecycle.may_move(challenge, move.target), lifecycle.reasons_against(challenge, move.target)
    now = utcnow().replace(microsecond=0)
    changes = {"cancel_reason": "The law changed."} if name == "cancel" else None
    lifecycle.move_challenge(officer, challenge, move.target, now=now, changes=changes)
    db.session.commit()

    db.session.expire_all()
    challenge = db.session.get(Challenge, challenge.id)
    assert challenge.status == move.target
    if move.stamp:
        assert getattr(challenge, move.stamp) == now
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.challenge_id == challenge.id,
                                                        AuditEvent.action == move.event)).one()
    assert audit.actor_id == officer.id and audit.before == {"status": source}
    assert audit.after["status"] == move.target
    if name == "cancel":
        assert audit.after["cancel_reason"] == "The law changed." and challenge.cancel_reason == "The law changed."
    topics = db.session.scalars(select(OutboxEvent.topic)).all()
    assert move.event in topics


def test_a_move_the_table_does_not_allow_is_refused_with_its_reason_and_changes_nothing(f):
    challenge = f.Challenge(status="published")
    assert lifecycle.next_moves(challenge) and not lifecycle.may_move(challenge, "evaluating")
    assert str(lifecycle.reasons_against(challenge, "evaluating")[""]).startswith("Evaluation starts once")
    with pytest.raises(InvalidTransition, match="Evaluation starts once the challenge has closed"):
        lifecycle.move_challenge(None, challenge, "evaluating")
    with pytest.raises(InvalidTransition, match="cannot become"):  # no move leads back to a draft
        lifecycle.move_challenge(None, challenge, "draft")
    assert challenge.status == "published"
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.challenge_id == challenge.id)) is None


def test_a_guard_names_what_stands_in_the_way(f):
    early = f.Challenge(status="published")  # its deadline is in a month
    assert "has not passed yet" in str(lifecycle.reasons_against(early, "closed")[""])
    assert lifecycle.may_move(early, "closed", now=early.pitch_deadline)
    draft = f.Challenge(status="draft", summary="", published_at=None)
    with pytest.raises(ValidationFailed) as refused:
        lifecycle.move_challenge(None, draft, "published")
    assert set(refused.value.errors) == {"summary"}
    draft.agency.verified = False
    with pytest.raises(InvalidTransition, match="verified"):
        lifecycle.move_challenge(None, draft, "published")
    assert draft.status == "draft" and draft.published_at is None


def test_next_moves_lists_what_a_person_may_ask_for_with_the_reasons_against(f):
    closed = f.Challenge(status="closed", pitch_deadline=utcnow() - timedelta(days=1))
    moves = {move.name: reasons for move, reasons in lifecycle.next_moves(closed)}
    assert set(moves) == {"start_evaluation", "summarise", "cancel"}  # piloting follows a pilot's start
    assert moves["start_evaluation"] == {} and moves["cancel"] == {}
    assert "market consultation" in str(moves["summarise"][""])
    evaluator = f.member(closed.agency, "evaluator")
    assert [m.name for m, _ in lifecycle.next_moves(closed, evaluator)] == []
    assert not lifecycle.may_move(closed, "cancelled", user=evaluator)


def test_the_clock_closes_exactly_the_challenges_the_guard_lets_close(f):
    now = utcnow()
    due = f.Challenge(status="published", pitch_deadline=now - timedelta(minutes=1))
    f.Challenge(status="published", pitch_deadline=now + timedelta(minutes=1))
    f.Challenge(status="closed", pitch_deadline=now - timedelta(days=1))
    ids = db.session.scalars(select(Challenge.id).where(lifecycle.due_condition("closed", now))).all()
    assert ids == [due.id]
    assert [c.id for c in db.session.scalars(select(Challenge)) if lifecycle.may_move(c, "closed", now=now)] == ids


# ---- Nothing but the lifecycle writes a challenge's status ---------------------------------------------

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIFECYCLE = "marketplace/services/challenges/lifecycle.py"
NOT_CHALLENGES = {"pitch"}  # other objects with a status of their own, written by their own services


def status_writes(source, path):
    """Every place in `source` that writes a status outside the known non-challenge objects."""
    found = []
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for item in (target.elts if isinstance(target, ast.Tuple | ast.List) else [target]):
                if isinstance(item, ast.Attribute) and item.attr == "status" and ast.unparse(item.value) not in (
                        NOT_CHALLENGES):
                    found.append(f"{path}:{node.lineno}: {ast.unparse(item)} =")
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name == "setattr" and len(node.args) > 1 and ast.unparse(node.args[1]) in ("'status'", '"status"'):
                found.append(f"{path}:{node.lineno}: setattr(…, 'status', …)")
            if name.endswith("values") and "update(Challenge)" in ast.unparse(node.func).replace(" ", "") and any(
                    k.arg == "status" for k in node.keywords):
                found.append(f"{path}:{node.lineno}: update(Challenge).values(status=…)")
            if name == "Challenge" and path != "marketplace/demo.py":  # the demo seeds a made-up history
                status = next((k.value for k in node.keywords if k.arg == "status"), None)
                if status is not None and ast.unparse(status) not in ("DRAFT", "'draft'"):
                    found.append(f"{path}:{node.lineno}: Challenge(status={ast.unparse(status)})")
    return found


def test_the_scan_catches_a_status_written_behind_the_lifecycle():
    sneaky = ("challenge.status = CLOSED\nc.status, c.closed_at = CLOSED, now\nsetattr(c, 'status', 'closed')\n"
              "db.session.execute(update(Challenge).values(status='closed'))\nChallenge(status=PUBLISHED)\n"
              "pitch.status = 'submitted'\nChallenge(status=DRAFT)\n")
    assert len(status_writes(sneaky, "x.py")) == 5


def test_only_the_lifecycle_writes_a_challenge_status():
    writers = []
    for path in sorted((ROOT / "marketplace").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative != LIFECYCLE:
            writers += status_writes(path.read_text(encoding="utf-8"), relative)
    assert writers == []
    assert status_writes((ROOT / LIFECYCLE).read_text(encoding="utf-8"), LIFECYCLE)  # it does write, once


# ---- Nor does anything else compare a challenge's status: it asks the lifecycle ------------------------------

STATUS_NAMES = {"DRAFT", "PUBLISHED", "CLOSED", "EVALUATING", "PILOTING", "COMPLETED", "CANCELLED", "OPEN_STATUSES",
                "PUBLIC_STATUSES"}
STATUS_WORDS = set(lifecycle.STATES)
# Made-up histories (the demo, the scale data set) and the other objects' own lifecycles.
NOT_RULES = {"marketplace/demo.py", "marketplace/scale.py", "marketplace/services/pitches/lifecycle.py"}


def _names_a_status(node):
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_a_status(item) for item in node.elts)
    return ((isinstance(node, ast.Name) and node.id in STATUS_NAMES)
            or (isinstance(node, ast.Constant) and node.value in STATUS_WORDS))


def _of_a_challenge(node):
    return (isinstance(node, ast.Attribute) and node.attr == "status"
            and not ast.unparse(node.value).lower().startswith(("pitch", "pilot", "p.", "_columns", "emaildelivery")))


def status_comparisons(source, path):
    """Every place in `source` that compares a challenge's status with a status written out."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_of_a_challenge(o) for o in operands) and any(_names_a_status(o) for o in operands):
                found.append(f"{path}:{node.lineno}: {ast.unparse(node)}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("in_", "not_in") and _of_a_challenge(node.func.value)
              and any(_names_a_status(a) for a in node.args)):
            found.append(f"{path}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_scan_catches_a_status_compared_behind_the_lifecycle():
    sneaky = ("challenge.status != PILOTING\nChallenge.status == COMPLETED\nc.status in (CLOSED, 'evaluating')\n"
              "Challenge.status.in_(PUBLIC_STATUSES)\npitch.status == DRAFT\nChallenge.status.in_(lifecycle.MATCHED)\n"
              "Challenge.status == status\n")
    assert len(status_comparisons(sneaky, "x.py")) == 4


def test_only_the_lifecycle_compares_a_challenge_status():
    comparisons = []
    for path in sorted((ROOT / "marketplace").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative != LIFECYCLE and relative not in NOT_RULES:
            comparisons += status_comparisons(path.read_text(encoding="utf-8"), relative)
    assert comparisons == []


# ---- Nor its kind: what a kind means (ranks its pitches, surveys the market) is asked of the lifecycle ---------

KIND_NAMES = {"CALL_FOR_SOLUTIONS", "MARKET_CONSULTATION"}
KIND_WORDS = {"call_for_solutions", "market_consultation"}
# Not rules: the model's column default and its own property, and the word shown for a kind.
KIND_NOT_RULES = {"marketplace/models/challenge.py", "marketplace/web/template_helpers.py"}


def _names_a_kind(node):
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_a_kind(item) for item in node.elts)
    return ((isinstance(node, ast.Name) and node.id in KIND_NAMES)
            or (isinstance(node, ast.Constant) and node.value in KIND_WORDS))


def kind_comparisons(source, path):
    """Every place in `source` that compares something with a kind of challenge written out."""
    return [f"{path}:{node.lineno}: {ast.unparse(node)}" for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Compare) and any(_names_a_kind(o) for o in (node.left, *node.comparators))]


def test_the_scan_catches_a_kind_compared_behind_the_lifecycle():
    sneaky = ("pitch.challenge.kind == MARKET_CONSULTATION\nc.kind != 'call_for_solutions'\n"
              "kind in (CALL_FOR_SOLUTIONS,)\nc.kind == other.kind\nkind = MARKET_CONSULTATION\n")
    assert len(kind_comparisons(sneaky, "x.py")) == 3


def test_only_the_lifecycle_compares_a_challenge_kind():
    comparisons = []
    for path in sorted((ROOT / "marketplace").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative != LIFECYCLE and relative not in NOT_RULES | KIND_NOT_RULES:
            comparisons += kind_comparisons(path.read_text(encoding="utf-8"), relative)
    assert comparisons == []


def test_a_consultation_surveys_the_market_and_a_call_for_solutions_ranks(f):
    call, consultation = f.Challenge(kind="call_for_solutions"), f.Challenge(kind="market_consultation")
    assert lifecycle.ranks_pitches(call) and not lifecycle.surveys_the_market(call)
    assert lifecycle.surveys_the_market(consultation) and not lifecycle.ranks_pitches(consultation)
