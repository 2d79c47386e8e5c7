"""Who is concerned by a challenge: the companies (and their people) that must hear what the agency says about it.

Equal treatment: what the agency tells one company about a challenge (an answer to a question, a change of
date, a cancellation) it tells every company concerned, each person once. A company is concerned when it

- asked a question about the challenge (ASKED),
- follows it (FOLLOWING),
- has a pitch for it, in any state — a draft, submitted, or withdrawn, which it may submit again (PITCHING),
- was invited to pitch by the agency (INVITED),
- was told of it by matching when it was published (MATCHED).

`companies_concerned(challenge)` answers which companies and why, in one statement;
`people_concerned(challenge)` the persons to tell, each once, in one statement: every active member of a
concerned company that is not suspended, and every person who asked a question about it (even one who has
since left their company). Agencies are never in the audience: they are the ones speaking.
"""
from sqlalchemy import literal, or_, select, union_all

from marketplace.extensions import db
from marketplace.models import Follow, Match, Membership, Organisation, Pitch, Question, User
from marketplace.models.organisation import COMPANY

ASKED, FOLLOWING, PITCHING, INVITED, MATCHED = "asked", "following", "pitching", "invited", "matched"
KINDS = (ASKED, FOLLOWING, PITCHING, INVITED, MATCHED)


def _reasons(challenge_id):
    """(organisation_id, kind) rows, one per reason, as one UNION ALL."""
    return union_all(
        select(Question.organisation_id.label("organisation_id"), literal(ASKED).label("kind"))
        .where(Question.challenge_id == challenge_id, Question.organisation_id.is_not(None)),
        select(Follow.organisation_id, literal(FOLLOWING)).where(Follow.challenge_id == challenge_id),
        select(Pitch.company_id, literal(PITCHING)).where(Pitch.challenge_id == challenge_id),
        select(Match.organisation_id, literal(INVITED))
        .where(Match.challenge_id == challenge_id, Match.invited_at.is_not(None)),
        select(Match.organisation_id, literal(MATCHED))
        .where(Match.challenge_id == challenge_id, Match.invited_at.is_(None)),
    ).subquery("reasons")


def _concerned_companies(challenge_id):
    reasons = _reasons(challenge_id)
    return (select(reasons.c.organisation_id, reasons.c.kind)
            .join(Organisation, Organisation.id == reasons.c.organisation_id)
            .where(Organisation.kind == COMPANY, Organisation.suspended.is_(False)))


def companies_concerned(challenge):
    """{organisation id: frozenset of kinds (ASKED, FOLLOWING, …)} for every company concerned, suspended ones left out."""
    found = {}
    for organisation_id, kind in db.session.execute(_concerned_companies(challenge.id)):
        found.setdefault(organisation_id, set()).add(kind)
    return {organisation_id: frozenset(kinds) for organisation_id, kinds in found.items()}


def people_concerned(challenge):
    """Every person to tell about the challenge, once each, by id (one statement; suspended people left out)."""
    companies = _concerned_companies(challenge.id).subquery()
    members = select(Membership.user_id).where(Membership.organisation_id.in_(select(companies.c.organisation_id)))
    askers = select(Question.asked_by_id).where(Question.challenge_id == challenge.id,
                                                Question.asked_by_id.is_not(None))
    return db.session.scalars(
        select(User).where(User.is_suspended.is_(False), or_(User.id.in_(members), User.id.in_(askers)))
        .order_by(User.id)
    ).all()
