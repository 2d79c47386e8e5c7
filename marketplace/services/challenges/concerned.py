"""Who is concerned by a published challenge: the one answer for every notice sent to "everyone concerned".

Equal treatment: an answer to a question, a correction or an extension reaches every member of every company
that follows the challenge, has a pitch on it (a draft too; not one withdrawn), was matched to it or was invited
to pitch, once each. Suspended people and the members of a suspended company hear nothing.
"""
from sqlalchemy import select, union

from marketplace.extensions import db
from marketplace.models import Follow, Match, Membership, Organisation, Pitch, User
from marketplace.models.pitch import PITCH_WITHDRAWN


def concerned_companies(challenge):
    """The SQL set of the ids of the companies concerned by `challenge`."""
    return union(
        select(Follow.organisation_id).where(Follow.challenge_id == challenge.id),
        select(Pitch.company_id).where(Pitch.challenge_id == challenge.id, Pitch.status != PITCH_WITHDRAWN),
        select(Match.organisation_id).where(Match.challenge_id == challenge.id),
    )


def concerned_people(challenge):
    """Every active member of every company concerned by `challenge`, each once, in one statement."""
    companies = concerned_companies(challenge).subquery()
    return db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.organisation_id.in_(select(companies.c[0])), Organisation.suspended.is_(False),
               User.is_suspended.is_(False))
        .order_by(User.id)
    ).unique().all()
