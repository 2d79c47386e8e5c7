"""Asking and answering clarification questions on a challenge."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..services.challenges.questions import (ANSWER_MISSING, ANSWER_TOO_LONG, MAX_ANSWER, MAX_QUESTION,
                                             QUESTION_MISSING, QUESTION_TOO_LONG)


class QuestionForm(FlaskForm):
    body = TextAreaField(
        _l("Your question"),
        validators=[DataRequired(QUESTION_MISSING), Length(max=MAX_QUESTION, message=QUESTION_TOO_LONG)],
        description=_l("The answer is published on the challenge page for every company, without your "
                       "company’s name."))


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Your answer"),
        validators=[DataRequired(ANSWER_MISSING), Length(max=MAX_ANSWER, message=ANSWER_TOO_LONG)],
        description=_l("Public on the challenge page and sent to every company concerned: the asker, followers, "
                       "companies with a pitch, and those invited or told of the challenge."))
