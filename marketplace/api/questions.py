"""Clarification questions: companies ask, the challenge's agency answers for everyone (never naming the asker)."""
from datetime import datetime

from pydantic import Field

from ..services.challenges import questions
from ..services.challenges.questions import MAX_ANSWER, MAX_QUESTION
from .operations import REQUIRED, Body, Id, Output, PlainText, Slug, operation
from .schemas import ChallengeRef


LANGUAGE = "The language it was written in (the writer's interface language then: en, fr, nl or de); null when not recorded."


class AnsweredQuestion(Output):
    id: int
    question: str
    question_language: str | None = Field(description=LANGUAGE)
    answer: str
    answer_language: str | None = Field(description=LANGUAGE)
    asked_at: datetime
    answered_at: datetime

    @classmethod
    def of(cls, question):
        return cls(id=question.id, question=question.body, question_language=question.language, answer=question.answer,
                   answer_language=question.answer_language, asked_at=question.asked_at,
                   answered_at=question.answered_at)


class OpenQuestion(Output):
    id: int
    question: str
    question_language: str | None = Field(description=LANGUAGE)
    asked_at: datetime

    @classmethod
    def of(cls, question):
        return cls(id=question.id, question=question.body, question_language=question.language,
                   asked_at=question.asked_at)


class OpenQuestions(Output):
    challenge: ChallengeRef
    items: list[OpenQuestion]


class QuestionIn(Body):
    body: PlainText = Field(min_length=1, max_length=MAX_QUESTION, description="The question, as it will be published.")


class AnswerIn(Body):
    answer: PlainText = Field(min_length=1, max_length=MAX_ANSWER)


@operation("POST", "/challenges/{slug}/questions", tag="Questions", auth=REQUIRED, body=QuestionIn,
           response=OpenQuestion, status=201)
def ask_question(user, body, slug: Slug):
    """Ask a clarification question (company members, before the question deadline).

    The answer is published on the challenge for everyone, without your company's name.
    """
    return OpenQuestion.of(questions.ask_question(user, slug, body.body))


@operation("GET", "/challenges/{slug}/questions/open", tag="Questions", auth=REQUIRED, response=OpenQuestions)
def open_questions(user, slug: Slug):
    """The questions still waiting for an answer (the challenge's agency: owner, publishers, officers)."""
    challenge, waiting = questions.questions_to_answer(user, slug)
    return OpenQuestions(challenge=ChallengeRef.model_validate(challenge),
                         items=[OpenQuestion.of(q) for q in waiting])


@operation("POST", "/questions/{question_id}/answer", tag="Questions", auth=REQUIRED, body=AnswerIn,
           response=AnsweredQuestion)
def answer_question(user, body, question_id: Id):
    """Answer a question, once, for everyone (the challenge's agency).

    The answer is public at once and sent to every company concerned, each person once: the asker,
    followers, companies with a pitch, and companies invited or told of the challenge by matching.
    """
    return AnsweredQuestion.of(questions.answer_question(user, question_id, body.answer))
