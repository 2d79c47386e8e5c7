"""The agency's invitation of a matched company to pitch."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length, Regexp


class InviteToPitchForm(FlaskForm):
    organisation_id = HiddenField(
        _l("Company"),
        validators=[DataRequired(message=_l("Choose a company to invite.")), Length(max=12),
                    Regexp(r"^[0-9]+$", message=_l("Choose a company from the list."))],
    )
