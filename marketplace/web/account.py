"""The signed-in person's settings, password, team and (for agencies) four-eyes publishing."""
import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from ..forms import apply_domain_errors
from ..forms.accounts import (ApiTokenForm, ChangePasswordForm, FourEyesForm, InviteForm, OrganisationForm,
                             RenewRecoveryCodesForm, SettingsForm, TwoFactorForm)
from ..services.accounts import accounts, api_tokens
from ..services import permissions
from ..services.accounts import two_factor as two_factor_service
from ..services.clock import utcnow
from ..services.errors import ValidationFailed
from ..services.permissions import signed_in
from .forms_flow import submit_form

bp = Blueprint("account", __name__, url_prefix="/account")


def _settings_page(settings_form=None, password_form=None, status=200):
    settings_form = settings_form or SettingsForm(formdata=None, obj=current_user)
    if settings_form.locale.data is None:
        settings_form.locale.data = ""
    if settings_form.timezone.data is None:
        settings_form.timezone.data = ""
    password_form = password_form or ChangePasswordForm(formdata=None)
    failed = next((f for f in (settings_form, password_form) if f.errors or f.form_errors), None)
    return render_template("account/settings.html", settings_form=settings_form, password_form=password_form,
                           form=failed, two_factor=two_factor_service.overview(current_user)), status


@bp.get("")
@login_required
def settings():
    return _settings_page()


def _settings_saved(_saved):
    """Said after the save, in the language it may have just chosen (this request began in the old one)."""
    refresh()
    return _("Your settings are saved.")


@bp.post("")
@login_required
def save_settings():
    return submit_form(SettingsForm(), lambda form: accounts.update_settings(
                           current_user, name=form.name.data, locale=form.locale.data, timezone=form.timezone.data,
                           notification_preference=form.notification_preference.data),
                       success=_settings_saved, redirect_to=url_for(".settings"),
                       page=lambda form, status: _settings_page(settings_form=form, status=status))


@bp.post("/password")
@login_required
def change_password():
    def change(form):
        tokens = api_tokens.active_count(current_user)  # what the change is about to revoke, to say so
        user = accounts.change_password(current_user._get_current_object(), form.current_password.data,
                                        form.new_password.data)
        login_user(user)  # this session goes on under the new session version; all others end
        flash_tokens_revoked(tokens)

    return submit_form(ChangePasswordForm(), change,
                       success=_("Your password is changed. You are signed out everywhere else."),
                       redirect_to=url_for(".settings"),
                       page=lambda form, status: _settings_page(password_form=form, status=status))


def flash_tokens_revoked(count):
    if count:
        flash(ngettext("Your API token is revoked: programs using it are refused. Create a new token for each "
                       "program that still needs one.",
                       "Your %(num)d API tokens are revoked: programs using them are refused. Create a new token "
                       "for each program that still needs one.", count), "info")


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every session of this person (this one too) and revoke their API tokens."""
    tokens = accounts.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You are signed out on every device."), "success")
    flash_tokens_revoked(tokens)
    return redirect(url_for("auth.login"))


@bp.route("/team", methods=["GET", "POST"])
@login_required
def team():
    return _team_page()


@bp.post("/team/invite")
@login_required
def invite():
    return _team_page(inviting=True)


def _team_page(inviting=None):
    if current_user.organisation is None:
        return redirect(url_for(".settings"))
    inviting = inviting or request.method == "POST"
    form = InviteForm()
    form.role.choices = accounts.invitation_roles(current_user.organisation)
    manages = permissions.can(current_user, "organisation.manage", current_user.organisation)

    def page(form, status):
        members, invitations = accounts.team_of(current_user)
        return render_template("account/team.html", form=form, members=members, invitations=invitations,
                               manages=manages, roles=accounts.ROLE_LABELS,
                               four_eyes_form=FourEyesForm(formdata=None, obj=current_user.organisation)), status

    if not inviting:
        return page(form, 200)
    permissions.require(current_user, "organisation.manage", current_user.organisation)
    return submit_form(form, lambda form: accounts.invite(current_user, email=form.email.data, role=form.role.data),
                       success=lambda invitation: _("An invitation is on its way to %(email)s.",
                                                    email=invitation.email),
                       redirect_to=url_for(".team"), page=page)


@bp.route("/organisation", methods=["GET", "POST"])
@login_required
def organisation():
    """The owner's page for the organisation itself: its name and, for an agency, four-eyes publishing and its
    postal address (a company gives its address with its profile)."""
    if current_user.organisation is None:
        return redirect(url_for(".settings"))
    organisation = current_user.organisation
    permissions.require(current_user, "organisation.manage", organisation)
    form = OrganisationForm(obj=organisation)
    if request.method == "GET":
        form.fill_address(organisation)
    return submit_form(form,
                       lambda form: accounts.update_organisation(
                           current_user, name=form.name.data, four_eyes_publishing=form.four_eyes_publishing.data,
                           address=form.address_data() if permissions.is_agency(organisation) else None),
                       success=_("The organisation’s details are saved."), redirect_to=url_for(".organisation"),
                       page=lambda form, status: (render_template("account/organisation.html", form=form,
                                                                  organisation=current_user.organisation), status))


@bp.post("/team/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id):
    invitation = accounts.revoke_invitation(current_user, invitation_id)
    flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email), "success")
    return redirect(url_for(".team"))


@bp.post("/organisation/four-eyes")
@login_required
def four_eyes():
    form = FourEyesForm()
    accounts.set_four_eyes(current_user, form.four_eyes_publishing.data)
    flash(_("Your publishing setting is saved."), "success")
    return redirect(url_for(".team"))


@bp.route("/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    """Turn on two-factor sign-in: scan the QR code or type the secret into an authenticator app, confirm a code,
    then keep the recovery codes shown once. Once on: the recovery codes left, new ones on demand, and (`?new_app=1`)
    the same steps again for a new phone."""
    user = current_user._get_current_object()
    new_app = request.args.get("new_app") == "1"
    if two_factor_service.enabled_for(user) and not new_app:
        return _two_factor_on_page()
    secret = two_factor_service.pending_secret(user)  # kept server-side: the session cookie is only signed

    def page(form, status):
        uri = two_factor_service.provisioning_uri(user, secret)
        return render_template("account/two_factor.html", enabled=False, form=form, secret=secret, uri=uri,
                               qr_code=Markup(two_factor_service.qr_code_svg(uri)), new_app=new_app,
                               required=two_factor_service.required_for(user)), status

    return submit_form(TwoFactorForm(), lambda form: two_factor_service.enrol(user, form.code.data),
                       success=_("Two-factor sign-in is on. You will enter a code from your app each time you sign "
                                 "in."),
                       redirect_to=url_for("dashboard.index"), page=page, done=_recovery_codes_page)


def _two_factor_on_page(form=None, status=200):
    return render_template("account/two_factor.html", enabled=True,
                           form=form or RenewRecoveryCodesForm(formdata=None),
                           overview=two_factor_service.overview(current_user)), status


def _recovery_codes_page(codes):
    """The recovery codes, in this answer only (no-store, as every signed-in answer): Agora keeps their hashes."""
    return render_template("account/recovery_codes.html", codes=codes)


@bp.post("/two-factor/recovery-codes")
@login_required
def renew_recovery_codes():
    """New recovery codes in place of the old ones, once the person confirms their password."""
    user = current_user._get_current_object()
    return submit_form(RenewRecoveryCodesForm(),
                       lambda form: two_factor_service.renew_recovery_codes(user, form.password.data),
                       success=_("You have new recovery codes. The old ones no longer work."),
                       redirect_to=url_for(".two_factor"), page=_two_factor_on_page, done=_recovery_codes_page)


def _tokens_page(form=None, new_token=None, new_name=None, secret_left=None, status=200):
    if form is None:
        form = ApiTokenForm(formdata=None)
    form.once.data = secrets.token_urlsafe(16)  # each page's form is new: see create_token
    return render_template("account/tokens.html", form=form,
                           tokens=api_tokens.tokens_of(current_user), revocation=api_tokens.revocation,
                           revocable=api_tokens.revocable, new_token=new_token, new_name=new_name,
                           secret_left=secret_left, now=utcnow(),
                           lifetime=current_app.config["API_TOKEN_LIFETIME_DAYS"],
                           session_end=api_tokens.session_end_notice(current_user)), status


@bp.get("/tokens")
@login_required
def tokens():
    # Back from the page that showed a new secret (the language switcher, a link, the back button): say it is gone.
    shown = session.pop(TOKEN_SHOWN, None)
    left = api_tokens.secret_left_notice(shown["name"], shown["at"]) if isinstance(shown, dict) else None
    return _tokens_page(secret_left=left)


@bp.post("/tokens")
@login_required
def create_token():
    """The new token is shown in this answer, once: it is never stored, and never put in the session cookie."""
    form = ApiTokenForm()
    made = session.get(TOKENS_MADE, [])
    if form.once.data and form.once.data in made:
        # The answer that showed the secret, asked again (a reload resends the form): no second token.
        flash(_("This form was sent again, perhaps by reloading the page: the token “%(name)s” was made the first "
                "time, and its secret shown only then. If you did not copy it, revoke the token and create another.",
                name=(form.name.data or "").strip()), "info")
        return redirect(url_for(".tokens"))
    if form.validate():
        try:
            token, raw = api_tokens.create_token(current_user, form.name.data)
        except ValidationFailed as exc:
            apply_domain_errors(form, exc)
        else:
            if form.once.data:
                session[TOKENS_MADE] = (made + [form.once.data])[-10:]
            session[TOKEN_SHOWN] = {"name": token.name, "at": utcnow().timestamp()}  # the name, never the secret
            return _tokens_page(new_token=raw, new_name=token.name)
    return _tokens_page(form=form, status=422)


TOKENS_MADE = "api_tokens_made"  # the `once` values of the token forms that made a token (the last ten)
TOKEN_SHOWN = "api_token_shown"  # the name of the token whose secret was just shown, and when (see tokens)


@bp.get("/tokens/<int:token_id>/revoke")
@login_required
def confirm_revoke_token(token_id):
    """Revoking is final: the list's link leads here first, to name the token and what revoking it does."""
    token = api_tokens.own_token(current_user, token_id)
    if not api_tokens.revocable(token):
        flash(_("The token “%(name)s” no longer works: there is nothing to revoke.", name=token.name), "info")
        return redirect(url_for(".tokens"))
    return render_template("account/revoke_token.html", token=token)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    token = api_tokens.revoke_token(current_user, token_id)
    flash(_("The token “%(name)s” is revoked: programs using it are refused from now on.", name=token.name),
          "success")
    return redirect(url_for(".tokens"))


# about.favicon: browsers ask for it beside every page; redirected, it queued the enrolment message again.
ALWAYS_ALLOWED = {"account.two_factor", "auth.logout", "static", "about.favicon", "main.healthz",
                  "observability.metrics"}


@bp.before_app_request
def require_two_factor():
    """Procurement officers and admins must turn on two-factor sign-in before anything else."""
    if request.path.startswith("/api/"):
        return None  # the API reads no session; its tokens make their own two-factor check
    if (signed_in(current_user) and request.endpoint not in ALWAYS_ALLOWED
            and two_factor_service.missing_for(current_user)):
        flash(_("Your role needs two-factor sign-in. Set it up now; it takes a minute."), "info")
        return redirect(url_for("account.two_factor"))
    return None
