"""`permissions.allowed`, the set-wise form of `can`: the same answers, and the rules it asks once per agency
(AGENCY_WIDE) really read nothing of a challenge but its agency."""
from datetime import timedelta

import pytest

from marketplace.services import permissions
from marketplace.services.clock import utcnow

ROLES = ("owner", "publisher", "procurement_officer", "evaluator")


def _varied_challenges(f, agency, asker):
    """Challenges of one agency differing in every other way a rule could read."""
    now = utcnow()
    return [
        f.Challenge(agency=agency, status="draft", published_at=None),
        f.Challenge(agency=agency, status="draft", published_at=None, approval_requested_at=now,
                    approval_requested_by_id=asker.id),
        f.Challenge(agency=agency, status="published"),
        f.Challenge(agency=agency, status="closed", kind="market_consultation", pitch_deadline=now - timedelta(days=1)),
        f.Challenge(agency=agency, status="evaluating", pitch_deadline=now - timedelta(days=3)),
        f.Challenge(agency=agency, status="cancelled"),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_agency_wide_rules_read_only_the_agency(f, role):
    agency, other = f.Agency(), f.Agency()
    person = f.member(agency, role)
    mine = _varied_challenges(f, agency, person)
    theirs = _varied_challenges(f, other, f.member(other, "publisher"))
    for action in sorted(permissions.AGENCY_WIDE):
        assert len({permissions.can(person, action, c) for c in mine}) == 1, action
        assert len({permissions.can(person, action, c) for c in theirs}) == 1, action


@pytest.mark.parametrize("role", ROLES)
def test_allowed_keeps_what_can_allows(f, role):
    agency, other = f.Agency(), f.Agency()
    person = f.member(agency, role)
    challenges = _varied_challenges(f, agency, person) + _varied_challenges(f, other, f.member(other, "owner"))
    for action in sorted(permissions.AGENCY_WIDE | {"challenge.approve", "challenge.view"}):
        assert permissions.allowed(person, action, challenges) == [
            c for c in challenges if permissions.can(person, action, c)], action
