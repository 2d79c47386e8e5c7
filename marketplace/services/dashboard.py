"""What each person sees first: at an agency, what waits for them (services/work_lists.py) and their agency's
challenges with counts, a page at a time; at a company, their pitches and follows; at both, their pilots a page at
a time."""
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload, load_only
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.extensions import db
from marketplace.models import Challenge, Follow, Pilot, Pitch, Question
from marketplace.models.challenge import CHALLENGE_STATUSES
from marketplace.models.organisation import AGENCY
from marketplace.services import permissions
from marketplace.services.evaluation import pitch_sessions
from marketplace.services.paging import Page, paginate
from marketplace.services.pitches import lifecycle as pitch_lifecycle
from marketplace.services.pitches.pitches import pitches_of_company
from marketplace.services.pilots.pilot_workflow import is_outcome, with_outcome
from marketplace.services.work_lists import PILOTS_NEWEST_FIRST, listed_pilots_statement, work_list


def agency_challenges(organisation, page=1, status=None, per_page=20):
    """One page of the agency's challenges, newest first, of one status when `status` names one (anything else
    is ignored): a Page of rows (id, slug, title, language, status, pitch_deadline, pitches received, open questions,
    answered questions), in two statements however many challenges the agency has. A page past the last is the
    last."""
    def counted(column, *conditions):
        return select(func.count(column)).where(*conditions).correlate(Challenge).scalar_subquery()

    query = select(
        # What the table shows of each challenge, not its texts.
        Challenge.id, Challenge.slug, Challenge.title, Challenge.language, Challenge.status, Challenge.pitch_deadline,
        counted(Pitch.id, Pitch.challenge_id == Challenge.id,
                Pitch.status.in_(pitch_lifecycle.RECEIVED)).label("pitches"),
        counted(Question.id, Question.challenge_id == Challenge.id, Question.answer.is_(None)).label("open_questions"),
        counted(Question.id, Question.challenge_id == Challenge.id,
                Question.answer.is_not(None)).label("answered_questions"),
    ).where(Challenge.agency_id == organisation.id)
    if status in CHALLENGE_STATUSES:
        query = query.where(Challenge.status == status)
    return paginate(query.order_by(Challenge.created_at.desc(), Challenge.id.desc()), page, per_page, clamp=True)


# What the company's dashboard shows of a challenge (its tables and lists, its title marked with its language, and its
# kind, which names a pitch or an answer: pitches/wording.py), not its texts.
SHOWN = (Challenge.slug, Challenge.title, Challenge.language, Challenge.status, Challenge.pitch_deadline,
         Challenge.kind)


def company_overview(organisation):
    pitches = pitches_of_company(organisation.id)
    # The pitches' challenges in one statement, not one per pitch as the table names each.
    shown = {challenge.id: challenge for challenge in db.session.scalars(select(Challenge).options(
        load_only(*SHOWN)).where(Challenge.id.in_({pitch.challenge_id for pitch in pitches})))} if pitches else {}
    for pitch in pitches:
        set_committed_value(pitch, "challenge", shown[pitch.challenge_id])
    followed = db.session.scalars(
        select(Challenge).options(load_only(*SHOWN)).join(Follow, Follow.challenge_id == Challenge.id)
        .where(Follow.organisation_id == organisation.id).order_by(Challenge.pitch_deadline)
    ).all()
    # The shortlisted pitches with a free pitch-session slot to book: their row says so, with the way there.
    to_book = pitch_sessions.pitches_to_book(organisation.id) if pitches else set()
    return {"pitches": pitches, "followed": followed, "questions": questions_of_company(organisation),
            "to_book": to_book}


def questions_of_company(organisation, limit=50):
    """The questions the company asked, answered or not, newest first, with their challenges (one statement)."""
    return db.session.scalars(
        select(Question).options(joinedload(Question.challenge).load_only(*SHOWN))
        .where(Question.organisation_id == organisation.id)
        .order_by(Question.asked_at.desc(), Question.id.desc()).limit(limit)
    ).all()


# A page number beyond any list (typed, or an old link): read as the last page, never bound as a huge number.
FURTHEST_PAGE = 10 ** 6


def pilots_page(organisation, page=1, per_page=20, unfinished=False):
    """(One page of the organisation's pilots, newest first: a Page of `listed_pilots` rows; with `unfinished`,
    every one of its pilots not yet at an outcome, for the work list, else []), in one statement however many
    pilots it has run: the total is counted and each row numbered in it, and only the page's rows and the
    unfinished ones come back. A page past the last is the last (a link kept after pilots went away)."""
    column = Pilot.agency_id if permissions.is_agency(organisation) else Pilot.company_id
    asked = max(1, min(page, FURTHEST_PAGE))  # what was asked, as a number the database can bind
    numbered = listed_pilots_statement(column == organisation.id).add_columns(
        func.count().over().label("total"),
        func.row_number().over(order_by=PILOTS_NEWEST_FIRST).label("position")).subquery()
    total = numbered.c.total
    last = case((total > 0, (total + (per_page - 1)) // per_page), else_=1)
    # The one clamp: the page asked, or the last when past it. Made where the total is known, in the statement,
    # and read back with the rows: the page shown is the page whose rows came.
    shown = case((last < asked, last), else_=asked)
    wanted = and_(numbered.c.position > (shown - 1) * per_page, numbered.c.position <= shown * per_page)
    if unfinished:
        wanted = or_(wanted, ~with_outcome(numbered.c.stage))
    rows = db.session.execute(select(numbered, shown.label("shown")).where(wanted)
                              .order_by(numbered.c.position)).all()
    total, page = (rows[0].total, rows[0].shown) if rows else (0, 1)
    first = (page - 1) * per_page + 1
    listed = Page([row for row in rows if first <= row.position < first + per_page], total, page, per_page)
    return listed, [row for row in rows if not is_outcome(row.stage)] if unfinished else []


def overview(user, page=1, status=None, per_page=20, pilots_page_number=1, pilots_per_page=20):
    """What the person sees first. At an agency: the work list, complete (it is bounded by the work waiting, not
    by the agency's history), then one page (`page`, `per_page`) of the agency's challenges, of one `status` when
    asked (see agency_challenges), and one page (`pilots_page_number`, `pilots_per_page`) of its pilots. At a
    company: its pitches, follows and questions, and one page of its pilots."""
    organisation = user.organisation
    if organisation is None:
        return {"kind": None}
    if permissions.is_agency(organisation):
        pilots, unfinished = pilots_page(organisation, pilots_page_number, pilots_per_page, unfinished=True)
        return {"kind": AGENCY, "challenges": agency_challenges(organisation, page, status, per_page),
                "status": status if status in CHALLENGE_STATUSES else "", "pilots": pilots,
                "work": work_list(user, agency_pilots=unfinished)}
    return {"kind": "company", **company_overview(organisation),
            "pilots": pilots_page(organisation, pilots_page_number, pilots_per_page)[0]}
