"""The company profile and showcase forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, Length

from ..services.organisations.companies import (
    COMPANY_NAME_MISSING, LIMITS, SOLUTION_DESCRIPTION_MAX, SOLUTION_DESCRIPTION_PROBLEM, SOLUTION_TITLE_MAX,
    SOLUTION_TITLE_PROBLEM, WEB_ADDRESS_PROBLEM, too_long,
)
from ..services.organisations.cpv import cpv_choices
from .accounts import SIZE_LABELS
from .fields import AddressFields


def _length(name):
    return Length(max=LIMITS[name], message=too_long(LIMITS[name]))


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ProfileForm(FlaskForm, AddressFields):
    name = StringField(_l("Company name"), validators=[DataRequired(COMPANY_NAME_MISSING), _length("name")])
    size = SelectField(_l("Size"), choices=[("", _l("Choose a size"))] + list(SIZE_LABELS.items()))
    website = StringField(_l("Website"), validators=[Length(max=LIMITS["website"], message=WEB_ADDRESS_PROBLEM)])
    registration_number = StringField(_l("Company registration number (optional)"),
                                      validators=[_length("registration_number")],
                                      description=_l("In Belgium, your enterprise number (KBO/BCE)."))
    sectors = CheckboxList(_l("Sectors you work in"), choices=cpv_choices(),
                           description=_l("We tell you about challenges in these sectors."))
    capability_statement = TextAreaField(_l("What you can do"), validators=[_length("capability_statement")],
                                         description=_l("In plain words: the problems you solve and for whom. "
                                                        "Matching reads this."))
    keywords = StringField(_l("Keywords"), validators=[_length("keywords")],
                           description=_l("Separated by commas, for example: sensors, water, maintenance."))


class SolutionForm(FlaskForm):
    title = StringField(_l("Solution"), validators=[DataRequired(_l("Name the solution.")),
                                                     Length(max=SOLUTION_TITLE_MAX, message=SOLUTION_TITLE_PROBLEM)])
    description = TextAreaField(_l("What it does"), validators=[
        DataRequired(_l("Describe the solution.")),
        Length(max=SOLUTION_DESCRIPTION_MAX, message=SOLUTION_DESCRIPTION_PROBLEM)])
    url = StringField(_l("Link (optional)"), validators=[Length(max=LIMITS["website"], message=WEB_ADDRESS_PROBLEM)])
