"""Clarification questions: a company asks before the question deadline, the agency answers for everyone.

Equal treatment: every answer is public on the challenge page, without the
asker's company, and is sent to everyone concerned by the challenge, once each
(services/challenges/audience.py: the askers, followers, companies with a pitch,
invited companies and those told of it by matching).
The default question deadline (`default_question_deadline`, kept with the
challenge's other dates in services/challenges.py and applied there when the
publisher leaves it empty) is 10 days before the pitch deadline, so answers reach
everyone at least 6 days before it (Directive 2014/24, Art. 53(2)).
"""
from functools import cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update

from marketplace.extensions import db
from marketplace.formatting import lazy, number
from marketplace.models import Challenge, Membership, Question, User
from marketplace.services import access, permissions
from marketplace.services.challenges import audience, lifecycle, search
from marketplace.services.challenges.challenges import default_question_deadline  # noqa: F401  (the rule lives with the challenge's dates)
from marketplace.services.clock import utcnow
from marketplace.services.errors import InvalidTransition, ValidationFailed
from marketplace.services.messaging.events import record_change
from marketplace.services.messaging import links
from marketplace.services.messaging.notifications import Notice, notify, notify_all
from marketplace.services.messaging.outbox import handles

MAX_QUESTION = 2000
MAX_ANSWER = 5000
# The messages the forms (marketplace/forms/questions.py) show too: written here only.
QUESTION_MISSING = _l("Write your question.")
QUESTION_TOO_LONG = _l("Your question must be %(n)s characters or fewer.", n=lazy(number, MAX_QUESTION))
ANSWER_MISSING = _l("Write the answer.")
ANSWER_TOO_LONG = _l("The answer must be %(n)s characters or fewer.", n=lazy(number, MAX_ANSWER))


def questions_open(challenge, now=None):
    now = now or utcnow()
    return lifecycle.state_of(challenge).takes_pitches and (
        challenge.question_deadline is None or now < challenge.question_deadline)


def questions_closed_on(challenge, now=None):
    """When the questions closed at their deadline; None while they are open, and when they closed for another
    reason (the challenge closed or was cancelled before the deadline): a date to come must not read as past."""
    now = now or utcnow()
    if questions_open(challenge, now) or challenge.question_deadline is None or challenge.question_deadline > now:
        return None
    return challenge.question_deadline


def public_questions(challenge):
    """Answered questions, oldest first; never the asker's company."""
    return db.session.scalars(select(Question).where(Question.challenge_id == challenge.id,
                                                     Question.answer.is_not(None)).order_by(Question.answered_at)).all()


def _unanswered(challenge):
    return db.session.scalars(select(Question).where(Question.challenge_id == challenge.id,
                                                     Question.answer.is_(None)).order_by(Question.asked_at)).all()


@cache
def _questions_of():  # built once: every view of a challenge page reads its questions
    return (select(Question).where(Question.challenge_id == bindparam("challenge_id"))
            .order_by(Question.asked_at, Question.id))


def page_questions(user, challenge):
    """The three lists of the challenge page in one read: answered (public), waiting for this user's answer (if
    they may answer), and their own company's (waiting first, then answered), each in the order given above."""
    rows = db.session.scalars(_questions_of(), {"challenge_id": challenge.id}).all()
    answered = sorted((q for q in rows if q.answer is not None), key=lambda q: (q.answered_at is None, q.answered_at))
    to_answer = [q for q in rows if q.answer is None] if permissions.can(user, "question.answer", challenge) else []
    own = []
    if permissions.can(user, "question.read_own", challenge):
        mine = [q for q in rows if q.organisation_id == user.membership.organisation_id]
        own = [q for q in mine if q.answered_at is None] + [q for q in mine if q.answered_at is not None]
    return answered, to_answer, own


def questions_to_answer(user, slug):
    """The challenge's unanswered questions, for its agency; to anyone else the challenge has none to show."""
    challenge = access.challenge_for(user, "question.answer", slug)
    return challenge, _unanswered(challenge)


def challenge_for_asking(user, challenge):
    """The challenge `user` may ask about now, or the reason why not (404, 403, 409)."""
    challenge = access.challenge_for(user, "question.ask", challenge) if not isinstance(challenge, Challenge) \
        else access.challenge_for(user, "question.ask", id=challenge.id)
    if not questions_open(challenge):
        raise InvalidTransition(str(_l("Questions for this challenge are closed.")))
    return challenge


def ask_question(user, challenge, body):
    """A company member asks before the question deadline; `challenge` is a Challenge or its slug.

    The deadline is checked against the clock here, not by beat: a question
    sent one second late is refused even if no task has run.
    """
    challenge = challenge_for_asking(user, challenge)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": QUESTION_MISSING})
    if len(body) > MAX_QUESTION:
        raise ValidationFailed({"body": QUESTION_TOO_LONG})
    question = Question(challenge_id=challenge.id, organisation_id=user.membership.organisation_id,
                        asked_by_id=user.id, body=body, language=_writing_language())
    db.session.add(question)
    record_change(user, "question.asked", question, after={"body": body}, challenge_id=challenge.id)
    db.session.commit()
    return question


def answer_question(user, question, answer):
    """The challenge's agency answers once, for everyone; `question` is a Question or its id."""
    question = access.question_to_answer(user, question)
    if question.answer is not None:
        raise InvalidTransition(str(_l("This question has already been answered.")))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed({"answer": ANSWER_MISSING})
    if len(answer) > MAX_ANSWER:
        raise ValidationFailed({"answer": ANSWER_TOO_LONG})
    # Conditional update: of two colleagues answering at once, the first answer stands.
    answered = db.session.execute(
        update(Question).where(Question.id == question.id, Question.answer.is_(None))
        .values(answer=answer, answer_language=_writing_language(), answered_by_id=user.id, answered_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if answered != 1:
        db.session.rollback()
        raise InvalidTransition(str(_l("This question has already been answered.")))
    db.session.refresh(question)
    record_change(user, "question.answered", question, after={"answer": answer}, challenge_id=question.challenge_id)
    db.session.commit()
    return question


def _writing_language():
    """The language a question or an answer is taken to be written in: the writer's interface language as they
    send it (page or API), or None when it is not one of ours."""
    return search.language_of(str(get_locale() or ""), default=None)


def _agency_answerers(challenge):
    return db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organisation_id == challenge.agency_id,
        Membership.role.in_(("owner", "publisher", "procurement_officer")), User.is_suspended.is_(False))).all()


@handles("question.asked")
def tell_the_agency(event):
    question = db.session.get(Question, event.payload["object_id"])
    if question is None or question.answer is not None:
        return
    challenge = question.challenge
    for user in _agency_answerers(challenge):
        notify(user, kind="question.asked", title=_l("New question on “%(title)s”", title=challenge.title),
               body=question.body, link=links.challenge_questions_path(challenge),
               dedupe_key=f"question:{question.id}:{user.id}", email_template="question_asked",
               email_context={"challenge_title": challenge.title, "question": question.body,
                              "question_language": question.language})


@handles("question.answered")
def tell_everyone_concerned(event):
    """The answer goes to every person concerned by the challenge (`audience.people_concerned`), once each."""
    question = db.session.get(Question, event.payload["object_id"])
    if question is None:
        return
    challenge = question.challenge
    title = _l("A question on “%(title)s” was answered", title=challenge.title)
    link = links.challenge_questions_path(challenge)
    context = {"challenge_title": challenge.title, "question": question.body, "answer": question.answer,
               "question_language": question.language, "answer_language": question.answer_language}
    notify_all([Notice(user, "question.answered", title, f"answer:{question.id}:{user.id}",
                       body=f"{question.body}\n\n{question.answer}", link=link, email_template="question_answered",
                       email_context=context)
                for user in audience.people_concerned(challenge)])
