"""The pitch form in short steps, with limits shown; each step saves the draft."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..formatting import lazy, number
from ..services.challenges.lifecycle import ranks_pitches
from ..services.pitches.pitches import CONSULTATION_STEPS, MAX_ATTACHMENTS, STEPS
from ..services.pitches.uploads import ACCEPT, limit_mb

TRL_CHOICES = [("", _l("Choose a level"))] + [(str(n), str(n)) for n in range(1, 10)]


# The steps in order, as the step list names them: the three form steps, then attachments and the check.
STEP_TITLES = {"about": _l("About your solution"), "approach": _l("Approach and evidence"),
               "pilot": _l("Pilot: price, duration and team"), "attachments": _l("Attachments"),
               "check": _l("Check and submit")}
# No pilot follows a market consultation: its third step (`cost`) asks an indicative cost and the team.
CONSULTATION_STEP_TITLES = {"about": STEP_TITLES["about"], "approach": STEP_TITLES["approach"],
                            "cost": _l("Indicative cost and team"), "attachments": STEP_TITLES["attachments"],
                            "check": STEP_TITLES["check"]}


class StepForm(FlaskForm):
    """A step of the pitch: its fields, and the signed draft key that lets an ended session keep the text.

    The limits and ranges are the service's (services/pitches.py): it checks them, the page shows them.
    """

    draft_key = HiddenField()
    saves = ()  # the fields the step saves: the service's STEPS (CONSULTATION_STEPS for a consultation's)

    @classmethod
    def for_pitch(cls, pitch, kept=None):
        """The step as saved, or as typed before a session ended (`kept`), as the person wrote it."""
        if kept is None:
            kept = {name: _as_typed(getattr(pitch, name, None)) for name in cls.saves}
        return cls(formdata=None, data={name: kept.get(name, "") for name in cls.saves})

    def domain_data(self):
        return {name: self[name].data for name in self.saves}


def _as_typed(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):  # a price is whole euro: 25000, not 25000.00
        return str(value.to_integral_value())
    return str(value)


class AboutForm(StepForm):
    step, saves = "about", STEPS["about"]
    title = StringField(_l("Title"), description=_l("One line that says what you propose."))
    summary = TextAreaField(_l("Summary"), description=_l("A few sentences: what you would do and what would change."))


class ApproachForm(StepForm):
    step, saves = "approach", STEPS["approach"]
    approach = TextAreaField(_l("Approach"), description=_l("How you would solve the problem, step by step."))
    evidence = TextAreaField(_l("Evidence"), description=_l("Where it has worked before, results, references."))
    trl = SelectField(_l("Maturity (technology readiness level)"), choices=TRL_CHOICES, validators=[Optional()],
                      description=_l("1: an idea; 9: proven in everyday use."))


class PilotForm(StepForm):
    step, saves = "pilot", STEPS["pilot"]
    pilot_price = StringField(_l("Pilot price (euro, excluding VAT)"), render_kw={"inputmode": "numeric"})
    pilot_duration_weeks = StringField(_l("Pilot duration (weeks)"), render_kw={"inputmode": "numeric"})
    team = TextAreaField(_l("Team"), description=_l("Who would do the work."))


class ConsultationCostForm(StepForm):
    """The third step of an answer to a market consultation: no pilot follows it, so no pilot is asked about."""
    step, saves = "cost", CONSULTATION_STEPS["cost"]
    pilot_price = StringField(_l("Indicative cost (euro, excluding VAT)"), render_kw={"inputmode": "numeric"},
                              description=_l("Optional: roughly what your proposal would cost, so the agency learns the "
                                              "market’s prices."))
    team = TextAreaField(_l("Team"), description=_l("Who would do the work."))


STEP_FORMS = {form.step: form for form in (AboutForm, ApproachForm, PilotForm)}
CONSULTATION_STEP_FORMS = {"about": AboutForm, "approach": ApproachForm, "cost": ConsultationCostForm}
assert all(form.saves == STEPS[step] for step, form in STEP_FORMS.items())
assert all(form.saves == CONSULTATION_STEPS[step] for step, form in CONSULTATION_STEP_FORMS.items())


def step_forms(challenge):
    """The forms of the pitch's steps for this challenge: an answer to a market consultation is asked about no pilot
    (lifecycle.ranks_pitches)."""
    return STEP_FORMS if ranks_pitches(challenge) else CONSULTATION_STEP_FORMS


def step_titles(challenge):
    """The steps' titles for this challenge, as the step list names them."""
    return STEP_TITLES if ranks_pitches(challenge) else CONSULTATION_STEP_TITLES


class AttachmentForm(FlaskForm):
    file = FileField(_l("Attach a file"), description=_l(
                         "PDF, Word, OpenDocument, plain text, PNG or JPEG, up to %(mb)s MB each; up to %(n)s files.",
                         mb=lazy(lambda: number(limit_mb())), n=MAX_ATTACHMENTS),
                     validators=[FileRequired(_l("Choose a file to attach."))], render_kw={"accept": ACCEPT})
