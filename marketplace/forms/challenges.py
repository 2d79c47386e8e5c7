"""Forms for writing, cancelling and summarising challenges."""
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField, FieldList, FormField, HiddenField, RadioField, SelectField,
    SelectMultipleField, StringField, TextAreaField, widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..services.challenges.challenges import (
    CANCEL_REASON_MAX, CANCEL_REASON_MISSING, SEND_BACK_REASON_MISSING, CANCEL_REASON_TOO_LONG, CONSULTATION_SUMMARY_MAX,
    CONSULTATION_SUMMARY_MISSING, CONSULTATION_SUMMARY_TOO_LONG, CRITERION_DESCRIPTION_MAX,
    CRITERION_DESCRIPTION_TOO_LONG, CRITERION_NAME_MAX, CRITERION_NAME_PROBLEM, LIMITS, MEASURE_MAX, WEEKS_PROBLEM,
    WEIGHT_PROBLEM, too_long,
)
from ..services.challenges.amendments import REASON_MAX, REASON_MISSING, REASON_TOO_LONG
from ..services.challenges.lifecycle import kind_ranks_pitches
from ..services.challenges.search import LANGUAGES, language_of
from ..services.organisations.cpv import cpv_choices
from ..formatting import LANGUAGE_NAMES
from .fields import AmountField, WholeNumberField

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _length(limit):
    return Length(max=limit, message=too_long(limit))


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CriterionForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(_l("Criterion"), validators=[Optional(), Length(max=CRITERION_NAME_MAX,
                                                                       message=CRITERION_NAME_PROBLEM)])
    description = StringField(_l("What it means"), validators=[
        Optional(), Length(max=CRITERION_DESCRIPTION_MAX, message=CRITERION_DESCRIPTION_TOO_LONG)])
    weight = WholeNumberField(_l("Weight (%)"), validators=[Optional(), NumberRange(min=1, max=100, message=WEIGHT_PROBLEM)],
                              message=WEIGHT_PROBLEM)


class MeasureForm(FlaskForm):
    class Meta:
        csrf = False

    measure = StringField(_l("Measure"), validators=[Optional(), _length(MEASURE_MAX)])
    baseline = StringField(_l("Baseline today"), validators=[Optional(), _length(MEASURE_MAX)])
    target = StringField(_l("Target after the pilot"), validators=[Optional(), _length(MEASURE_MAX)])


class ChallengeForm(FlaskForm):
    version = HiddenField()
    kind = RadioField(_l("What do you want from companies?"), default="call_for_solutions", choices=[
        ("call_for_solutions", _l("Solutions to pilot: pitches are evaluated and the best are piloted")),
        ("market_consultation", _l("An overview of the market: answers are not ranked; you publish a summary")),
    ])
    language = SelectField(_l("Language the challenge is written in"),
                           choices=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
                           default=lambda: language_of(str(get_locale() or "")),
                           description=_l("Search finds the other forms of its words in this language."))
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), _length(LIMITS["title"])],
                        description=_l("Name the problem, not a solution. For example: “Fewer missed hospital "
                                       "appointments”."))
    summary = TextAreaField(_l("Summary"), validators=[_length(LIMITS["summary"])],
                            description=_l("Two or three sentences shown in search results."))
    problem_statement = TextAreaField(_l("The problem"), validators=[_length(LIMITS["problem_statement"])],
                                      description=_l("What goes wrong today, and how you know. You can use "
                                                     "Markdown: **bold**, lists, links."))
    context = TextAreaField(_l("Context"), validators=[_length(LIMITS["context"])])
    affected = TextAreaField(_l("Who is affected"), validators=[_length(LIMITS["affected"])])
    desired_outcomes = TextAreaField(_l("Desired outcomes"), validators=[_length(LIMITS["desired_outcomes"])])
    constraints = TextAreaField(_l("Constraints and what is out of scope"),
                                validators=[_length(LIMITS["constraints"])])
    sectors = CheckboxList(_l("Sectors"), choices=cpv_choices(), validate_choice=True,
                           description=_l("Companies working in these sectors are told about the challenge."))
    budget_min = AmountField(_l("Budget from (euro)"), places=0, validators=[Optional()])
    budget_max = AmountField(_l("Budget up to (euro)"), places=0, validators=[Optional()])
    pilot_duration_weeks = WholeNumberField(_l("Expected pilot duration (weeks)"), message=WEEKS_PROBLEM,
                                            validators=[Optional(), NumberRange(min=1, max=104, message=WEEKS_PROBLEM)])
    question_deadline = DateTimeLocalField(_l("Questions close"), format=DATETIME_FORMAT, validators=[Optional()],
                                           description=_l("Leave empty for 10 days before the pitch deadline, so "
                                                          "every answer is out at least 6 days before it."))
    pitch_deadline = DateTimeLocalField(_l("Pitch deadline"), format=DATETIME_FORMAT, validators=[Optional()])
    criteria = FieldList(FormField(CriterionForm), min_entries=4, max_entries=10, label=_l("Evaluation criteria"))
    success_measures = FieldList(FormField(MeasureForm), min_entries=3, max_entries=10, label=_l("Success measures"))

    @property
    def ranks(self):
        """Whether the kind chosen ranks pitches (the lifecycle's rule): only then are an expected pilot duration,
        criteria and success measures offered, checked and kept; a market consultation's are neither (the page says
        so)."""
        return kind_ranks_pitches(self.kind.data)

    @property
    def ranking_kinds(self):
        """The kinds offered criteria and success measures, for the page's script (static/js/challenge_kind.js)."""
        return [value for value, _label in self.kind.choices if kind_ranks_pitches(value)]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.ranks:
            return valid
        for entry in (*self.criteria, *self.success_measures):  # not checked: the service does not keep them
            for subfield in entry.form:
                subfield.errors = []
        self.criteria.errors, self.success_measures.errors, self.pilot_duration_weeks.errors = [], [], []
        return not self.errors

    def domain_data(self, to_utc):
        """The form's values as the service expects them; deadlines converted from the person's zone."""
        return {
            "kind": self.kind.data, "language": self.language.data,
            "title": self.title.data, "summary": self.summary.data,
            "problem_statement": self.problem_statement.data, "context": self.context.data,
            "affected": self.affected.data, "desired_outcomes": self.desired_outcomes.data,
            "constraints": self.constraints.data, "sectors": self.sectors.data or [],
            "budget_min": self.budget_min.data, "budget_max": self.budget_max.data,
            "pilot_duration_weeks": self.pilot_duration_weeks.data,
            "question_deadline": to_utc(self.question_deadline.data),
            "pitch_deadline": to_utc(self.pitch_deadline.data),
            "criteria": [{"name": e.form.name.data, "description": e.form.description.data,
                          "weight": e.form.weight.data} for e in self.criteria],
            "success_measures": [{"measure": e.form.measure.data, "baseline": e.form.baseline.data,
                                  "target": e.form.target.data} for e in self.success_measures],
        }


class CorrectionForm(FlaskForm):
    """Correcting a published challenge: its texts, its deadlines (later only) and, until the first pitch arrives,
    its budget and criteria; the same fields as the draft's, and the public explanation."""

    version = HiddenField()
    title, summary, problem_statement = ChallengeForm.title, ChallengeForm.summary, ChallengeForm.problem_statement
    context, affected = ChallengeForm.context, ChallengeForm.affected
    desired_outcomes, constraints = ChallengeForm.desired_outcomes, ChallengeForm.constraints
    budget_min, budget_max = ChallengeForm.budget_min, ChallengeForm.budget_max
    question_deadline = DateTimeLocalField(_l("Questions close"), format=DATETIME_FORMAT, validators=[Optional()])
    pitch_deadline = ChallengeForm.pitch_deadline
    criteria = ChallengeForm.criteria
    reason = TextAreaField(_l("What changed and why"),
                           validators=[DataRequired(REASON_MISSING), Length(max=REASON_MAX, message=REASON_TOO_LONG)],
                           description=_l("Published with the date on the challenge page and sent to every company "
                                          "concerned."))

    def domain_data(self, to_utc, *, equal_treatment=True):
        """The changes as the service expects them; without budget and criteria once they are fixed, without
        criteria when the page offered none."""
        data = {name: getattr(self, name).data for name in (
            "title", "summary", "problem_statement", "context", "affected", "desired_outcomes", "constraints",
            "reason")}
        data.update(question_deadline=to_utc(self.question_deadline.data), pitch_deadline=to_utc(self.pitch_deadline.data))
        if equal_treatment:
            data.update(budget_min=self.budget_min.data, budget_max=self.budget_max.data)
            # Only criteria the page offered: a market consultation's page offers none (it ranks nothing), and the
            # empty rows the form makes up then are no change to the criteria it may have had.
            if any(e.form.name.raw_data for e in self.criteria):
                data["criteria"] = [{"name": e.form.name.data, "description": e.form.description.data,
                                     "weight": e.form.weight.data} for e in self.criteria]
        return data


class CancelForm(FlaskForm):
    """`cancelling`: the service's words for this challenge (challenges.cancelling): whether the reason is public."""
    reason = TextAreaField(_l("Why is the challenge cancelled?"),
                           validators=[DataRequired(CANCEL_REASON_MISSING),
                                       Length(max=CANCEL_REASON_MAX, message=CANCEL_REASON_TOO_LONG)])

    def __init__(self, *args, cancelling, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.validators = [DataRequired(cancelling.reason_missing),
                                  Length(max=CANCEL_REASON_MAX, message=CANCEL_REASON_TOO_LONG)]
        self.reason.description = cancelling.reason_help


class SendBackForm(FlaskForm):
    reason = TextAreaField(_l("What needs changing?"),
                           validators=[DataRequired(SEND_BACK_REASON_MISSING),
                                       Length(max=CANCEL_REASON_MAX, message=CANCEL_REASON_TOO_LONG)],
                           description=_l("Only your agency reads it: the draft goes back to its author, who is told "
                                          "why and asks for approval again once it is changed."))


class SummaryForm(FlaskForm):
    summary = TextAreaField(_l("What did the market offer?"),
                            validators=[DataRequired(CONSULTATION_SUMMARY_MISSING),
                                        Length(max=CONSULTATION_SUMMARY_MAX, message=CONSULTATION_SUMMARY_TOO_LONG)],
                            description=_l("Public. Summarise the kinds of solutions, their maturity and price "
                                           "ranges, without naming companies unless they agreed."))
