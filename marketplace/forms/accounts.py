"""Forms for signing in, registering, passwords, invitations and settings."""
import unicodedata
import zoneinfo

from babel.core import get_global
from babel.dates import get_timezone_location

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from ..formatting import reader_locale
from ..models.organisation import COMPANY_SIZES
from ..services.accounts import passwords
from ..services.accounts.accounts import EMAIL_MAX, NAME_MAX, ORGANISATION_NAME_MAX, SUSPENSION_REASON_NEEDED, too_long
from ..services.accounts.api_tokens import MAX_NAME as TOKEN_NAME_MAX
from ..services.accounts.two_factor import REASON_MAX, REASON_NEEDED, REASON_TOO_LONG
from .fields import AddressFields

# The services' limits and messages (one validator may serve many fields).
NAME_LENGTH = Length(max=NAME_MAX, message=too_long(NAME_MAX))
ORGANISATION_NAME_LENGTH = Length(max=ORGANISATION_NAME_MAX, message=too_long(ORGANISATION_NAME_MAX))
PASSWORD_LENGTH = Length(max=passwords.MAX_LENGTH, message=passwords.TOO_LONG)
EMAIL_LENGTH = Length(max=EMAIL_MAX, message=too_long(EMAIL_MAX))
PASSWORD_HINT = _l("At least 12 characters, and not a common or leaked password, your email address or your "
                   "organisation’s name. A few unrelated words make a strong password you can remember.")
SIZE_LABELS = {"micro": _l("Micro (fewer than 10 people)"), "small": _l("Small (10 to 49 people)"),
               "medium": _l("Medium (50 to 249 people)"), "large": _l("Large (250 people or more)")}


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter your email address.")),
                                                         EMAIL_LENGTH])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                        ORGANISATION_NAME_LENGTH])
    remember = BooleanField(_l("Keep me signed in on this device for 30 days"))


class RegisterForm(FlaskForm):
    kind = RadioField(_l("Who are you registering?"), choices=[
        ("agency", _l("A public agency: we publish problems")),
        ("company", _l("A company: we answer with solutions"))],
        validators=[DataRequired(_l("Choose a public agency or a company."))])
    organisation_name = StringField(_l("Name of your organisation"),
                                    validators=[DataRequired(_l("Enter the name of your organisation.")),
                                                ORGANISATION_NAME_LENGTH])
    company_size = SelectField(_l("Size of your company (companies only)"),
                               choices=[("", _l("Choose a size"))] + [(s, SIZE_LABELS[s]) for s in COMPANY_SIZES])
    name = StringField(_l("Your full name"), validators=[DataRequired(_l("Enter your name.")), NAME_LENGTH])
    email = EmailField(_l("Your work email address"), validators=[DataRequired(_l("Enter your email address.")),
                                                                   EMAIL_LENGTH])
    password = PasswordField(_l("Choose a password"), description=PASSWORD_HINT,
                             validators=[DataRequired(_l("Choose a password.")), PASSWORD_LENGTH])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter your email address.")),
                                                         EMAIL_LENGTH])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), description=PASSWORD_HINT,
                             validators=[DataRequired(_l("Choose a password.")), PASSWORD_LENGTH])


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your full name"), validators=[DataRequired(_l("Enter your name.")), NAME_LENGTH])
    password = PasswordField(_l("Choose a password"), description=PASSWORD_HINT,
                             validators=[DataRequired(_l("Choose a password.")), PASSWORD_LENGTH])


COMMON_ZONES = ("Europe/Brussels", "Europe/Amsterdam", "Europe/Paris", "Europe/Berlin", "Europe/Luxembourg",
                "Europe/London", "UTC")
_ZONE_ALIASES = get_global("zone_aliases")  # {old IANA name: current one}, e.g. Europe/Kiev: Europe/Kyiv
_ZONE_TERRITORIES = get_global("zone_territories")
# {locale name: ((identifier, name), …)}: some 450 zones named once per language and process, not per page.
_zone_choices_by_locale = {}


def zone_name(zone, locale):
    """A time zone as its readers call it: "Belgique – Bruxelles" for Europe/Brussels in French."""
    if zone == "UTC":
        return "UTC"
    zone = _ZONE_ALIASES.get(zone, zone)
    city = get_timezone_location(zone, locale=locale, return_city=True)
    country = locale.territories.get(_ZONE_TERRITORIES.get(zone))
    return city if not country or country == city or _ZONE_TERRITORIES.get(zone) == "001" else f"{country} – {city}"


def _by_name(choice):
    return unicodedata.normalize("NFKD", choice[1]).casefold()  # "États-Unis" among the E


def _zones():
    """The settings page's time zones, named in the reader's language: the usual ones first, then every other by
    name. The value stays the IANA identifier (the one the service checks and stores)."""
    locale = reader_locale()
    choices = _zone_choices_by_locale.get(str(locale))
    if choices is None:
        rest = sorted(((zone, zone_name(zone, locale)) for zone in zoneinfo.available_timezones()
                       if "/" in zone and zone not in _ZONE_ALIASES and zone not in COMMON_ZONES), key=_by_name)
        choices = _zone_choices_by_locale[str(locale)] = (
            ("", gettext("%(zone)s (default)", zone=zone_name("Europe/Brussels", locale))),
            *((zone, zone_name(zone, locale)) for zone in COMMON_ZONES), *rest)
    return list(choices)


class TimeZoneField(SelectField):
    """A zone chosen under an old name (Europe/Kiev) shows as, and is saved as, the same zone's current one."""

    def process_data(self, value):
        super().process_data(value)
        self.data = _ZONE_ALIASES.get(self.data, self.data)


class SettingsForm(FlaskForm):
    name = StringField(_l("Your full name"), validators=[DataRequired(_l("Enter your name.")), NAME_LENGTH])
    locale = SelectField(_l("Language"), choices=[("", _l("As my browser asks")), ("en", "English"),
                                                 ("fr", "Français"), ("nl", "Nederlands"), ("de", "Deutsch")])
    timezone = TimeZoneField(_l("Time zone"), choices=_zones)
    notification_preference = RadioField(_l("Emails about new matches, answers and pilots"), choices=[
        ("immediate", _l("Straight away")), ("daily", _l("Once a day, in a digest")), ("off", _l("No emails"))],
        validators=[DataRequired()])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password.")), PASSWORD_LENGTH])
    new_password = PasswordField(_l("New password"), description=PASSWORD_HINT,
                                 validators=[DataRequired(_l("Choose a new password.")), PASSWORD_LENGTH])


class InviteForm(FlaskForm):
    email = EmailField(_l("Their email address"), validators=[DataRequired(_l("Enter their email address.")),
                                                               EMAIL_LENGTH])
    role = SelectField(_l("Role"), choices=[])


class FourEyesForm(FlaskForm):
    four_eyes_publishing = BooleanField(_l("A second publisher or the owner approves each challenge before it "
                                           "is published"))


class OrganisationForm(FlaskForm, AddressFields):
    name = StringField(_l("Name of the organisation"), validators=[DataRequired(_l("Enter a name.")),
                                                                      ORGANISATION_NAME_LENGTH])
    four_eyes_publishing = BooleanField(_l("A second publisher or the owner approves each challenge before it "
                                           "is published"))


class TwoFactorForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"), description=_l("6 digits, for example 123456."),
                       validators=[DataRequired(_l("Enter the 6-digit code.")),
                                   Length(max=12, message=_l("Enter the 6-digit code."))],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class RecoveryCodeForm(FlaskForm):
    recovery_code = StringField(_l("Recovery code"), description=_l("One of the codes you kept when you turned on "
                                                                   "two-factor sign-in, for example abcde-23456."),
                                validators=[DataRequired(_l("Enter one of your recovery codes.")),
                                            Length(max=40, message=_l("Enter one of your recovery codes."))],
                                render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})


class RenewRecoveryCodesForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Enter your password.")),
                                                              PASSWORD_LENGTH],
                             render_kw={"autocomplete": "current-password"})


class ResetTwoFactorForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), description=_l("For the audit trail and the email to the person: who asked, "
                                                        "and how you made sure it was them."),
                           validators=[DataRequired(REASON_NEEDED),
                                       Length(max=REASON_MAX, message=REASON_TOO_LONG)])


class SuspendOrganisationForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), description=_l("For the audit trail and the email to the organisation’s "
                                                        "people: what it did."),
                           validators=[DataRequired(SUSPENSION_REASON_NEEDED),
                                       Length(max=REASON_MAX, message=REASON_TOO_LONG)])


class ApiTokenForm(FlaskForm):
    # A value of this form's own, new at each page: the same form sent again (a reload) makes no second token.
    once = HiddenField()
    name = StringField(_l("Name of the token"),
                       validators=[DataRequired(_l("Name the token, for example after the program that will use it.")),
                                   Length(max=TOKEN_NAME_MAX, message=too_long(TOKEN_NAME_MAX))],
                       description=_l("So you know later what it is for, e.g. “Our tender monitor”."))
