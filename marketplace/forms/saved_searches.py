"""Saving a search of the challenge list, with how to be alerted of new challenges it finds."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length

from ..models.saved_search import ALERT_CHOICES
from ..services.challenges.saved_searches import ALERT_LABELS, ALERTS_PROBLEM, NAME_MAX, NAME_PROBLEM


class SaveSearchForm(FlaskForm):
    name = StringField(_l("Name of the search"), validators=[DataRequired(NAME_PROBLEM), Length(max=NAME_MAX,
                                                                                              message=NAME_PROBLEM)])
    alerts = RadioField(_l("New challenges this search finds"), choices=[(a, ALERT_LABELS[a]) for a in ALERT_CHOICES],
                        default=ALERT_CHOICES[0], validators=[DataRequired(ALERTS_PROBLEM)])
