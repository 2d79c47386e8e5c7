"""Asking and answering clarification questions on a challenge."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..services.challenges.questions import MAX_ANSWER, MAX_QUESTION


class QuestionForm(FlaskForm):
    body = TextAreaField(
        _l("Your question"),
        validators=[DataRequired(_l("Write your question.")),
                    Length(max=MAX_QUESTION, message=_l("Your question must be %(n)s characters or fewer.",
                                                        n=MAX_QUESTION))],
        description=_l("The answer is published on the challenge page for every company, without your "
                       "company's name."))


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Your answer"),
        validators=[DataRequired(_l("Write the answer.")),
                    Length(max=MAX_ANSWER, message=_l("The answer must be %(n)s characters or fewer.",
                                                      n=MAX_ANSWER))],
        description=_l("Public on the challenge page and sent to every follower and every company with a pitch."))
