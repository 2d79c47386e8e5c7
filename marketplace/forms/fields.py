"""Form fields shared by several forms."""
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import Length, StopValidation
from wtforms.widgets import TextInput

from ..services.organisations import addresses
from ..services.organisations.companies import too_long
from ..services.pilots.amounts import NotAnAmount, parse_amount


class OneProblem:
    """A number field whose typing was not understood says so once: its own message, not also the range's or
    "enter an amount" of the validators after it (they would judge the value it could not read)."""

    def pre_validate(self, form):
        # Only for something typed: an empty field is the validators' to judge (Optional clears the "not a number"
        # that WTForms' IntegerField gives an empty string, InputRequired says it is needed).
        if self.process_errors and self.raw_data and str(self.raw_data[0]).strip():
            raise StopValidation()


class AmountField(OneProblem, DecimalField):
    """An amount in euro, typed as people write it: 25000, 25 000, 25.000,50 or 25,000.50. Never negative: a minus
    sign is told so.

    A text input with a numeric keyboard, not `type=number`: a browser's number input refuses "25 000" and sends
    "25.000,50" as nothing at all, so what was typed was lost and answered "Enter the budget"."""

    widget = TextInput()

    def __init__(self, *args, render_kw=None, **kwargs):
        super().__init__(*args, render_kw={"inputmode": "decimal", **(render_kw or {})}, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_amount(valuelist[0])
        except NotAnAmount:
            self.data = None
            if str(valuelist[0]).strip().startswith(("-", "\u2212")):
                raise ValueError(_l("Enter an amount of 0 or more, without a minus sign.")) from None
            raise ValueError(_l("Enter an amount in figures, like 25000 or 25.000,50.")) from None


class WholeNumberField(OneProblem, IntegerField):
    """A whole number; anything else typed is told `message`, the one its range gives, once."""

    def __init__(self, label=None, validators=None, *, message, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.problem = message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.problem) from None


def _countries():
    return [("", _l("Choose a country"))] + addresses.country_choices(get_locale() or "en")


def _address_length(name):
    return Length(max=addresses.LIMITS[name], message=too_long(addresses.LIMITS[name]))


class AddressFields:
    """The postal address of an organisation, for a form that holds it (the service checks it: addresses.py)."""

    street_address = StringField(_l("Street and number"), validators=[_address_length("street_address")],
                                 render_kw={"autocomplete": "street-address"})
    postal_code = StringField(_l("Postal code"), validators=[_address_length("postal_code")],
                              description=_l("In Belgium, 4 digits, for example 1000."),
                              render_kw={"autocomplete": "postal-code"})
    locality = StringField(_l("Town or city"), validators=[_address_length("locality")],
                           render_kw={"autocomplete": "address-level2"})
    country = SelectField(_l("Country"), choices=_countries, validate_choice=False,
                          render_kw={"autocomplete": "country"})

    def fill_address(self, organisation):
        """Show the organisation's address, its default country when it has none."""
        for name in addresses.FIELDS:
            getattr(self, name).data = getattr(organisation, name) or ""
        if not organisation.country:
            self.country.data = addresses.default_country(organisation.registration_number) or ""

    def address_data(self):
        return {name: getattr(self, name).data for name in addresses.FIELDS}
