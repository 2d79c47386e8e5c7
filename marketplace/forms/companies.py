"""The company profile and showcase forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, Length

from ..services.organisations.companies import LIMITS
from ..services.organisations.cpv import cpv_choices
from .accounts import SIZE_LABELS


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ProfileForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[DataRequired(_l("Enter your company's name.")),
                                                        Length(max=LIMITS["name"])])
    size = SelectField(_l("Size"), choices=[("", _l("Choose a size"))] + list(SIZE_LABELS.items()))
    website = StringField(_l("Website"), validators=[Length(max=LIMITS["website"])])
    registration_number = StringField(_l("Company registration number (optional)"),
                                      validators=[Length(max=LIMITS["registration_number"])],
                                      description=_l("In Belgium, your enterprise number (KBO/BCE)."))
    sectors = CheckboxList(_l("Sectors you work in"), choices=cpv_choices(),
                           description=_l("We tell you about challenges in these sectors."))
    capability_statement = TextAreaField(_l("What you can do"), validators=[Length(max=LIMITS["capability_statement"])],
                                         description=_l("In plain words: the problems you solve and for whom. "
                                                        "Matching reads this."))
    keywords = StringField(_l("Keywords"), validators=[Length(max=LIMITS["keywords"])],
                           description=_l("Separated by commas, for example: sensors, water, maintenance."))


class SolutionForm(FlaskForm):
    title = StringField(_l("Solution"), validators=[DataRequired(_l("Name the solution.")), Length(max=200)])
    description = TextAreaField(_l("What it does"), validators=[DataRequired(_l("Describe the solution.")),
                                                               Length(max=2000)])
    url = StringField(_l("Link (optional)"), validators=[Length(max=300)])
