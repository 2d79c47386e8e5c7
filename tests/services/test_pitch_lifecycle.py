"""The pitch lifecycle (services/pitches/lifecycle.py): what each status means, asked by pages and services."""
import pytest

from marketplace.models.pitch import PITCH_STATUSES
from marketplace.services.pitches import lifecycle


def test_only_a_draft_or_a_withdrawn_pitch_waits_for_the_submit_button():
    assert [s for s in PITCH_STATUSES if lifecycle.STATES[s].awaits_submission] == ["draft", "withdrawn"]


def test_the_agency_s_decisions_close_a_pitch_and_only_a_shortlisting_leads_to_a_session():
    assert lifecycle.UNDECIDED == ("draft", "submitted", "withdrawn")
    assert lifecycle.DECISIONS == ("shortlisted", "not_selected", "selected")  # the decide form's order
    assert lifecycle.FINAL == ("not_selected", "selected") and lifecycle.TURNED_DOWN == ("not_selected",)
    assert [s for s in PITCH_STATUSES if lifecycle.state_named(s).shortlisted] == ["shortlisted"]
    assert [s for s in PITCH_STATUSES if lifecycle.state_named(s).selected] == ["selected"]


@pytest.mark.parametrize("status,word", [("draft", "Draft"), ("not_selected", "Not selected"),
                                         ("withdrawn", "Withdrawn"), ("archived", "archived")])
def test_each_status_has_one_word_and_an_unknown_one_shows_as_it_is(app_context, status, word):
    assert str(lifecycle.status_label(status)) == word


@pytest.mark.parametrize("statuses,fact", [
    (lifecycle.DRAFT, "draft"), (lifecycle.SUBMITTED, "submitted"), (lifecycle.WITHDRAWN, "withdrawn"),
    (lifecycle.SELECTED, "selected"), (lifecycle.RECEIVED, "received"), (lifecycle.DECISIONS, "decided"),
    (lifecycle.SHORTLISTED, "shortlisted"), (lifecycle.FINAL, "final"), (lifecycle.TURNED_DOWN, "turned_down"),
])
def test_a_query_asks_the_same_fact_as_one_pitch_does(statuses, fact):
    """The statuses a query reads (`Pitch.status.in_(lifecycle.SELECTED)`) are those whose state says so."""
    assert statuses == tuple(s for s in PITCH_STATUSES if getattr(lifecycle.state_named(s), fact))
    assert statuses


def test_no_query_outside_the_pitch_services_compares_a_pitch_status_itself():
    """`Pitch.status == "selected"` or `.in_(("submitted",))` written elsewhere is a second copy of the lifecycle:
    a query asks it for the statuses of a fact (`Pitch.status.in_(pitch_lifecycle.SELECTED)`)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]

    def pitch_status(node):
        return isinstance(node, ast.Attribute) and node.attr == "status" and isinstance(node.value, ast.Name) \
            and node.value.id == "Pitch"

    def a_lifecycle_fact(node):
        return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and node.value.id in ("pitch_lifecycle", "lifecycle") and node.attr.isupper()

    found = []
    for path in sorted([*(root / "marketplace").rglob("*.py"), *(root / "worker").rglob("*.py")]):
        if "services/pitches" in path.as_posix():
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            compared = isinstance(node, ast.Compare) and (
                pitch_status(node.left) or any(pitch_status(c) for c in node.comparators))
            asked = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("in_", "not_in") and pitch_status(node.func.value) \
                and not (len(node.args) == 1 and a_lifecycle_fact(node.args[0]))
            if compared or asked:
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []


def test_no_module_outside_the_pitch_services_compares_a_decision_itself():
    """`decision == PITCH_SHORTLISTED` or `in (PITCH_SELECTED, PITCH_NOT_SELECTED)` written elsewhere is a second
    copy of the lifecycle: is it final, does it go on to the sessions, is it selected are asked of it
    (`decision in pitch_lifecycle.FINAL`, `pitch_lifecycle.state_named(decision).shortlisted`). The demo and
    scale data only write statuses."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    names = {"PITCH_SHORTLISTED", "PITCH_SELECTED", "PITCH_NOT_SELECTED"}
    words = {"shortlisted", "selected", "not_selected"}

    def a_decision(node):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return any(a_decision(element) for element in node.elts)
        return (isinstance(node, ast.Name) and node.id in names) or \
            (isinstance(node, ast.Attribute) and node.attr in names) or \
            (isinstance(node, ast.Constant) and node.value in words)

    found = []
    for path in sorted([*(root / "marketplace").rglob("*.py"), *(root / "worker").rglob("*.py")]):
        relative = path.relative_to(root).as_posix()
        if "services/pitches" in relative or relative.startswith("marketplace/models/") or \
                relative in ("marketplace/demo.py", "marketplace/scale.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Compare) and any(a_decision(side) for side in (node.left, *node.comparators)):
                found.append(f"{relative}:{node.lineno}")
    assert found == []
