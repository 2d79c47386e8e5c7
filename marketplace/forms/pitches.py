"""The pitch form: short, with limits shown, saved as a draft until the company submits."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from ..services.pitches import LIMITS

TRL_CHOICES = [("", _l("Choose a level"))] + [(str(n), str(n)) for n in range(1, 10)]


class PitchForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=LIMITS["title"])],
                        description=_l("One line that says what you propose."))
    summary = TextAreaField(_l("Summary"), validators=[Length(max=LIMITS["summary"])],
                            description=_l("A few sentences: what you would do and what would change."))
    approach = TextAreaField(_l("Approach"), validators=[Length(max=LIMITS["approach"])],
                             description=_l("How you would solve the problem, step by step."))
    evidence = TextAreaField(_l("Evidence"), validators=[Length(max=LIMITS["evidence"])],
                             description=_l("Where it has worked before, results, references."))
    trl = SelectField(_l("Maturity (technology readiness level)"), choices=TRL_CHOICES, validators=[Optional()],
                      description=_l("1: an idea; 9: proven in everyday use."))
    pilot_price = IntegerField(_l("Pilot price (euro, excluding VAT)"),
                               validators=[Optional(), NumberRange(min=0, max=100_000_000)])
    pilot_duration_weeks = IntegerField(_l("Pilot duration (weeks)"), validators=[Optional(), NumberRange(1, 104)])
    team = TextAreaField(_l("Team"), validators=[Length(max=LIMITS["team"])],
                         description=_l("Who would do the work."))

    def domain_data(self):
        return {name: getattr(self, name).data for name in
                ("title", "summary", "approach", "evidence", "trl", "pilot_price", "pilot_duration_weeks", "team")}


class AttachmentForm(FlaskForm):
    file = FileField(_l("Attach a file"), description=_l("PDF, Word, OpenDocument, plain text, PNG or JPEG; "
                                                          "up to 5 files."),
                     validators=[FileRequired(_l("Choose a file to attach."))])
