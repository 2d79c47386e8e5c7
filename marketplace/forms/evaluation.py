"""Forms of the evaluation pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..services.evaluation.evaluation import DECISION_LABELS, MAX_COMMENT, MAX_FEEDBACK
from ..services.organisations.companies import too_long


class DeclarationForm(FlaskForm):
    conflicted = RadioField(_l("Do you have a conflict of interest with any company that pitched?"),
                            choices=[("no", _l("No, I have no conflict of interest")),
                                     ("yes", _l("Yes, I have a conflict of interest and step aside"))],
                            validators=[DataRequired(_l("Answer yes or no."))])
    note = TextAreaField(_l("If yes, what is the conflict?"), validators=[Length(max=MAX_COMMENT,
                                                                                        message=too_long(MAX_COMMENT))])


class DecisionForm(FlaskForm):
    """One pitch's decision; the view offers the choices the round allows (services: `decision_choices`)."""

    decision = RadioField(_l("Decision"), choices=list(DECISION_LABELS.items()), validate_choice=False,
                          validators=[DataRequired(_l("Choose a decision."))])
    feedback = TextAreaField(_l("Feedback to the company"), validators=[Length(max=MAX_FEEDBACK,
                                                                                        message=too_long(MAX_FEEDBACK))],
                             description=_l("Required when the pitch is not selected. It starts from the "
                                            "evaluators’ comments: edit it before it is sent."))
    confirmed = BooleanField(_l("I have read this feedback and confirm it is the text the company receives"),
                             description=_l("A selected or not selected company is only told once its feedback "
                                            "is confirmed. Changing the decision or the text later takes the "
                                            "confirmation back."))


class SlotForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(_l("Enter the date and time the session starts."))])
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M",
                                 validators=[DataRequired(_l("Enter the time the session ends."))])
    mode = SelectField(_l("Where"), choices=[("online", _l("Online")), ("in_person", _l("In person"))])
    address = TextAreaField(_l("Address (in person)"), validators=[Optional(), Length(max=500, message=too_long(500))])
    link = StringField(_l("Meeting link (online)"), validators=[Optional(), Length(max=500, message=too_long(500))])
