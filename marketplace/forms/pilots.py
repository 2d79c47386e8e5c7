"""Forms of the pilot pages: each small, each posting to one service call."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, FieldList, FormField, HiddenField, RadioField, SelectField, StringField, \
    TextAreaField
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

from ..formatting import lazy, number
from ..models.pilot import DOCUMENT_KINDS
from ..services.pilots.pilot_workflow import NOTE_MAX, NOTE_TOO_LONG
from ..services.organisations.companies import too_long
from ..services.pilots.pilots import (EVIDENCE_TOO_LONG, FOLLOW_ON_URL_MAX, FOLLOW_ON_URL_PROBLEM, MAX_TEXT,
                                     MESSAGE_MAX, MESSAGE_TOO_LONG, JUSTIFICATION_TOO_LONG, MILESTONE_NAME_MAX,
                                     TEXT_TOO_LONG)
from ..services.pitches.uploads import ACCEPT, limit_mb
from .fields import AmountField


class MoveForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])
    version = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Note (optional, shown in the pilot’s history)"), validators=[Length(max=NOTE_MAX, message=NOTE_TOO_LONG)])


class DocumentForm(FlaskForm):
    kind = SelectField(_l("What is this document?"), choices=[
        (DOCUMENT_KINDS[0], _l("Signed pilot agreement")), (DOCUMENT_KINDS[1], _l("Evaluation report")),
        (DOCUMENT_KINDS[2], _l("Other document"))])
    file = FileField(_l("File"), description=_l("PDF, Word, OpenDocument, plain text, PNG or JPEG, up to %(mb)s MB.",
                                                 mb=lazy(lambda: number(limit_mb()))),
                     validators=[FileRequired(_l("Choose a file to upload."))], render_kw={"accept": ACCEPT})


class MeasureOutcomeForm(FlaskForm):
    result = RadioField(_l("Result"), choices=[("met", _l("Met")), ("partly_met", _l("Partly met")),
                                               ("not_met", _l("Not met"))],
                        validators=[DataRequired(_l("Choose met, partly met or not met."))])
    evidence = TextAreaField(_l("Evidence"), validators=[DataRequired(_l("Give the evidence for this judgement.")),
                                                        Length(max=MAX_TEXT, message=EVIDENCE_TOO_LONG)])


class OutcomeForm(FlaskForm):
    outcome_summary = TextAreaField(_l("Outcome summary (public)"), validators=[Length(max=MAX_TEXT, message=TEXT_TOO_LONG)])
    lessons_learned = TextAreaField(_l("Lessons learned (public)"), validators=[Length(max=MAX_TEXT, message=TEXT_TOO_LONG)],
                                    description=_l("Asked of every outcome: what worked and what did not, so "
                                                    "that other agencies can learn from it. A stop is a result too."))
    follow_on_procurement_url = StringField(_l("Link to the follow-on procurement (if adopted)"),
                                            validators=[Optional(), URL(message=FOLLOW_ON_URL_PROBLEM),
                                                        Length(max=FOLLOW_ON_URL_MAX, message=too_long(FOLLOW_ON_URL_MAX))])


class PaymentForm(FlaskForm):
    # InputRequired, not DataRequired: 0 is an amount. An amount typed wrongly (or below 0) is told so by the field.
    paid_amount = AmountField(_l("Amount paid"), places=2, validators=[InputRequired(_l("Enter an amount."))])
    paid_on = DateField(_l("Paid on"), validators=[DataRequired(_l("Enter the date it was paid."))])


class EndDateForm(FlaskForm):
    ends_on = DateField(_l("End date"), validators=[DataRequired(_l("Enter the end date."))])


class BudgetIncreaseForm(FlaskForm):
    amount = AmountField(_l("Increase by"), places=2, validators=[InputRequired(_l("Enter an amount."))])
    justification = TextAreaField(_l("Why the pilot needs more"), validators=[Length(max=MAX_TEXT, message=JUSTIFICATION_TOO_LONG)],
                                  description=_l("A second person approves the increase before payments can use it."))


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(_l("Write your message.")), Length(max=MESSAGE_MAX, message=MESSAGE_TOO_LONG)])


class MilestoneForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(_l("Milestone"), validators=[Optional(), Length(max=MILESTONE_NAME_MAX,
                                                                       message=too_long(MILESTONE_NAME_MAX))])
    amount = AmountField(_l("Planned amount"), places=2, validators=[Optional()])
    planned_on = DateField(_l("Planned date"), validators=[Optional()])


class StartPilotForm(FlaskForm):
    budget = AmountField(_l("Budget (euro)"), places=2,
                          validators=[InputRequired(_l("Enter the budget.")),
                                      NumberRange(min=1, message=_l("The budget must be more than zero."))])
    starts_on = DateField(_l("Start date"), validators=[DataRequired(_l("Enter the start date."))])
    ends_on = DateField(_l("End date"), validators=[DataRequired(_l("Enter the end date."))])
    owner_id = SelectField(_l("Pilot owner"), coerce=int, validators=[DataRequired()])
    justification = TextAreaField(_l("Justification"), validators=[Length(max=MAX_TEXT, message=JUSTIFICATION_TOO_LONG)],
                                  description=_l("Needed when the budget is above the low-value threshold."))
    milestones = FieldList(FormField(MilestoneForm), min_entries=3, max_entries=10, label=_l("Payment milestones"))
