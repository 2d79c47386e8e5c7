"""What each person sees first: at an agency, what waits for them (services/work_lists.py) and their agency's
challenges with counts; at a company, their pitches and follows."""
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from marketplace.extensions import db
from marketplace.models import Challenge, Follow, Pilot, Pitch, Question
from marketplace.models.organisation import AGENCY
from marketplace.models.pitch import RECEIVED_STATUSES
from marketplace.services.pitches.pitches import pitches_of_company
from marketplace.services.work_lists import work_list


def agency_overview(organisation):
    """Each challenge of the agency with received pitches and open/answered questions, in two grouped queries."""
    challenges = db.session.scalars(select(Challenge).where(Challenge.agency_id == organisation.id)
                                    .order_by(Challenge.created_at.desc())).all()
    ids = [c.id for c in challenges]
    pitches = dict(db.session.execute(
        select(Pitch.challenge_id, func.count(Pitch.id))
        .where(Pitch.challenge_id.in_(ids), Pitch.status.in_(RECEIVED_STATUSES)).group_by(Pitch.challenge_id)
    ).all()) if ids else {}
    questions = {row.challenge_id: (row.open, row.answered) for row in db.session.execute(
        select(Question.challenge_id,
               func.sum(case((Question.answer.is_(None), 1), else_=0)).label("open"),
               func.sum(case((Question.answer.is_not(None), 1), else_=0)).label("answered"))
        .where(Question.challenge_id.in_(ids)).group_by(Question.challenge_id)
    )} if ids else {}
    return [{"challenge": c, "pitches": pitches.get(c.id, 0),
             "open_questions": int((questions.get(c.id) or (0, 0))[0] or 0),
             "answered_questions": int((questions.get(c.id) or (0, 0))[1] or 0)} for c in challenges]


def company_overview(organisation):
    pitches = pitches_of_company(organisation.id)
    followed = db.session.scalars(
        select(Challenge).join(Follow, Follow.challenge_id == Challenge.id)
        .where(Follow.organisation_id == organisation.id).order_by(Challenge.pitch_deadline)
    ).all()
    return {"pitches": pitches, "followed": followed, "questions": questions_of_company(organisation)}


def questions_of_company(organisation, limit=50):
    """The questions the company asked, answered or not, newest first, with their challenges (one statement)."""
    return db.session.scalars(
        select(Question).options(joinedload(Question.challenge)).where(Question.organisation_id == organisation.id)
        .order_by(Question.asked_at.desc(), Question.id.desc()).limit(limit)
    ).all()


def pilots_of(organisation):
    column = Pilot.agency_id if organisation.kind == AGENCY else Pilot.company_id
    return db.session.scalars(select(Pilot).options(joinedload(Pilot.challenge), joinedload(Pilot.pitch))
                              .where(column == organisation.id).order_by(Pilot.created_at.desc())).all()


def overview(user):
    organisation = user.organisation
    if organisation is None:
        return {"kind": None}
    if organisation.kind == AGENCY:
        rows, pilots = agency_overview(organisation), pilots_of(organisation)
        return {"kind": AGENCY, "rows": rows, "pilots": pilots,
                "work": work_list(user, agency_challenges=[row["challenge"] for row in rows], agency_pilots=pilots)}
    return {"kind": "company", **company_overview(organisation), "pilots": pilots_of(organisation)}
