"""Forms for signing in, registering, passwords, invitations and settings."""
import zoneinfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length

from ..models.organisation import COMPANY_SIZES

PASSWORD_HINT = _l("At least 12 characters, and not a common or leaked password, your email address or your "
                   "organisation’s name. A few unrelated words make a strong password you can remember.")
SIZE_LABELS = {"micro": _l("Micro (fewer than 10 people)"), "small": _l("Small (10 to 49 people)"),
               "medium": _l("Medium (50 to 249 people)"), "large": _l("Large (250 people or more)")}


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter your email address.")),
                                                         Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                        Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device for 30 days"))


class RegisterForm(FlaskForm):
    kind = RadioField(_l("Who are you registering?"), choices=[
        ("agency", _l("A public agency: we publish problems")),
        ("company", _l("A company: we answer with solutions"))],
        validators=[DataRequired(_l("Choose a public agency or a company."))])
    organisation_name = StringField(_l("Name of your organisation"),
                                    validators=[DataRequired(_l("Enter the name of your organisation.")),
                                                Length(max=200)])
    company_size = SelectField(_l("Size of your company (companies only)"),
                               choices=[("", _l("Choose a size"))] + [(s, SIZE_LABELS[s]) for s in COMPANY_SIZES])
    name = StringField(_l("Your full name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    email = EmailField(_l("Your work email address"), validators=[DataRequired(_l("Enter your email address.")),
                                                                   Length(max=254)])
    password = PasswordField(_l("Choose a password"), description=PASSWORD_HINT,
                             validators=[DataRequired(_l("Choose a password.")), Length(max=200)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter your email address.")),
                                                         Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), description=PASSWORD_HINT,
                             validators=[DataRequired(_l("Choose a password.")), Length(max=200)])


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your full name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    password = PasswordField(_l("Choose a password"), description=PASSWORD_HINT,
                             validators=[DataRequired(_l("Choose a password.")), Length(max=200)])


def _zones():
    common = ["Europe/Brussels", "Europe/Amsterdam", "Europe/Paris", "Europe/Berlin", "Europe/Luxembourg",
              "Europe/London", "UTC"]
    return [("", _l("Europe/Brussels (default)"))] + [(z, z) for z in common] + [
        (z, z) for z in sorted(zoneinfo.available_timezones()) if z not in common and "/" in z]


class SettingsForm(FlaskForm):
    name = StringField(_l("Your full name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    locale = SelectField(_l("Language"), choices=[("", _l("As my browser asks")), ("en", "English"),
                                                 ("fr", "Français"), ("nl", "Nederlands"), ("de", "Deutsch")])
    timezone = SelectField(_l("Time zone"), choices=_zones)
    notification_preference = RadioField(_l("Emails about new matches, answers and pilots"), choices=[
        ("immediate", _l("Straight away")), ("daily", _l("Once a day, in a digest")), ("off", _l("No emails"))],
        validators=[DataRequired()])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password.")), Length(max=200)])
    new_password = PasswordField(_l("New password"), description=PASSWORD_HINT,
                                 validators=[DataRequired(_l("Choose a new password.")), Length(max=200)])


class InviteForm(FlaskForm):
    email = EmailField(_l("Their email address"), validators=[DataRequired(_l("Enter their email address.")),
                                                               Length(max=254)])
    role = SelectField(_l("Role"), choices=[])


class FourEyesForm(FlaskForm):
    four_eyes_publishing = BooleanField(_l("A second publisher or the owner approves each challenge before it "
                                           "is published"))


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name of the organisation"), validators=[DataRequired(_l("Enter a name.")), Length(max=200)])
    four_eyes_publishing = BooleanField(_l("A second publisher or the owner approves each challenge before it "
                                           "is published"))


class TwoFactorForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"), description=_l("6 digits, for example 123456."),
                       validators=[DataRequired(_l("Enter the 6-digit code.")), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Name of the token"),
                       validators=[DataRequired(_l("Name the token, for example after the program that will use it.")),
                                   Length(max=100)],
                       description=_l("So you know later what it is for, e.g. “Our tender monitor”."))
