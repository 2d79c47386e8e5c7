"""Signing in and out, registering, password reset and accepting an invitation."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import HTTPException

from ..extensions import db, limiter
from ..forms import apply_domain_errors
from ..forms.accounts import (AcceptInvitationForm, ForgotPasswordForm, LoginForm, RecoveryCodeForm, RegisterForm,
                             ResetPasswordForm, TwoFactorForm)
from ..models import User
from ..services.accounts import accounts, api_tokens
from ..services.accounts import two_factor as two_factor_service
from ..services.errors import ValidationFailed
from ..services.permissions import signed_in
from .account import flash_tokens_revoked
from .forms_flow import submit_form
from .i18n import PENDING_SIGN_IN, SIGNED_OUT_LOCALE, select_locale

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _account_key():
    """Limits per account: the address typed, whether or not it exists (so the limit reveals nothing)."""
    return "account:" + _typed_email().strip().lower()[:254]


def _typed_email():
    """The email field of the form; "" when the body cannot be read (over MAX_CONTENT_LENGTH: the view answers 413).
    A key function must never raise: Flask-Limiter takes any error in one for its storage failing, and counts in an
    empty memory store until it checks again, forgetting the wrong passwords counted meanwhile when it does."""
    try:
        return request.form.get("email") or ""
    except HTTPException:
        return ""


def _account_and_address_key():
    """Sign-in limits per account typed *from this client address*: someone guessing another person's password
    is slowed down, while the owner, signing in from elsewhere, is not locked out by them."""
    return _account_key() + "|" + (get_remote_address() or "")


def _limit(setting):
    return lambda: current_app.config[setting]


def _failed(response):
    """Only wrong passwords count towards the sign-in limits (401): signing in successfully costs nothing."""
    return response.status_code == 401


per_address = get_remote_address


def safe_next(target):
    """Only a path on this site: a crafted `next` must not send people elsewhere after signing in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _sign_in(user, remember=False):
    next_page, language = session.get("next_after_login"), session.get("locale")
    session.clear()  # a fresh session at sign-in: nothing planted before survives it
    if language in current_app.config["LANGUAGES"]:
        # The language picked in the switcher before signing in stays: saved to the account, as the switcher saves
        # a signed-in person's pick (the account's language is what a signed-in page is read in).
        accounts.choose_language(user, language)
    elif user.locale is None:
        # No language saved yet (an account invited or imported before languages were kept): the one this sign-in
        # was read in, so that its notices and emails come in it, not in English.
        accounts.choose_language(user, str(select_locale()))
    login_user(user, remember=remember)
    return next_page


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_LIMIT_PER_ADDRESS"), key_func=per_address, methods=["POST"], deduct_when=_failed)
@limiter.limit(_limit("LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"), key_func=_account_and_address_key, methods=["POST"],
               deduct_when=_failed)
def login():
    form = LoginForm()
    if request.method == "GET" and safe_next(request.args.get("next")):
        session["next_after_login"] = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except accounts.SignInFailed:
            form.form_errors.append(_("The email address or the password is not right."))
            return render_template("auth/login.html", form=form), 401
        if two_factor_service.enabled_for(user):
            # Half signed in: the password was right, the code comes next, in the person's language (i18n).
            session[PENDING_SIGN_IN] = {"user": user.id, "version": user.session_version,
                                        "remember": bool(form.remember.data), "locale": user.locale}
            return redirect(url_for(".two_factor"))
        next_page = _sign_in(user, remember=form.remember.data)
        flash(_("You are signed in."), "success")
        return redirect(safe_next(next_page) or url_for("dashboard.index"))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


def _pending_user():
    pending = session.get(PENDING_SIGN_IN) or {}
    user = db.session.get(User, pending.get("user")) if pending.get("user") else None
    if user is None or user.session_version != pending.get("version") or not two_factor_service.enabled_for(user):
        return None, pending
    return user, pending


def _pending_key():
    pending = session.get(PENDING_SIGN_IN) or {}
    return f"two-factor:{pending.get('user')}|{get_remote_address() or ''}"


@bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"), key_func=_pending_key, methods=["POST"])
def two_factor():
    """The second step: a code from the app or, with `?recovery=1`, one of the recovery codes. Both are posted
    here, so they share one limit."""
    user, pending = _pending_user()
    if user is None:
        return redirect(url_for(".login"))
    recovery = request.args.get("recovery") == "1" or "recovery_code" in request.form
    form = RecoveryCodeForm() if recovery else TwoFactorForm()
    if form.validate_on_submit():
        if recovery:
            accepted = two_factor_service.use_recovery_code(user, form.recovery_code.data)
        else:
            accepted = two_factor_service.verify(user, form.code.data)
        if accepted:
            next_page = _sign_in(user, remember=pending.get("remember", False))
            flash(_("You are signed in."), "success")
            if recovery:
                left = two_factor_service.recovery_codes_left(user)
                flash(ngettext("You signed in with a recovery code; it will not work again. You have %(num)d "
                               "left.", "You signed in with a recovery code; it will not work again. You have "
                               "%(num)d left.", left), "info")
                return redirect(url_for("account.two_factor"))
            return redirect(safe_next(next_page) or url_for("dashboard.index"))
        if recovery:
            form.recovery_code.errors = [_("That recovery code is not right, or was used already.")]
        else:
            form.code.errors = [_("That code is not right, or was used already. Enter the 6 digits your app "
                                  "shows now.")]
    return render_template("auth/two_factor.html", form=form, recovery=recovery), 422 if form.errors else 200


@bp.post("/logout")
def logout():
    language = None
    if signed_in(current_user):
        language = current_user.locale
        # A copy of the session or remember-me cookie must not keep working after signing out.
        accounts.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    if language:
        # The pages after signing out stay in the language the person read: not the visitor's pick ("locale"),
        # which the next sign-in would save to whoever signs in on this browser.
        session[SIGNED_OUT_LOCALE] = language
    flash(_("You are signed out."), "success")
    return redirect(url_for("main.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(kind=form.kind.data, organisation_name=form.organisation_name.data,
                                     name=form.name.data, email=form.email.data, password=form.password.data,
                                     company_size=form.company_size.data, locale=select_locale())
        except ValidationFailed as exc:
            apply_domain_errors(form, exc)
        else:
            # New or already registered (then its owner is told by email), the answer is the same page: it
            # tells a stranger nothing. The new person signs in after following the link, or before.
            return render_template("auth/check_email.html", registered=True), 200
    return render_template("auth/register.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.get("/confirm/<token>")
def confirm_email(token):
    user = accounts.confirm_email(token)
    if signed_in(current_user) and current_user.id == user.id:
        flash(_("Your email address is confirmed. Thank you."), "success")
        return redirect(url_for("dashboard.index"))
    flash(_("Your email address is confirmed. Sign in to continue."), "success")
    return redirect(url_for(".login"))


def _resend_key():
    return f"confirm-resend:{current_user.get_id() if signed_in(current_user) else get_remote_address()}"


@bp.post("/confirm/resend")
@login_required
@limiter.limit(_limit("CONFIRMATION_RESEND_LIMIT"), key_func=_resend_key)
def resend_confirmation():
    if accounts.resend_confirmation(current_user._get_current_object()):
        flash(_("We have sent the link again to %(email)s.", email=current_user.email), "success")
    else:
        flash(_("Your email address is already confirmed."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.index"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_ADDRESS"), key_func=per_address, methods=["POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_ACCOUNT"), key_func=_account_key, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.request_password_reset(form.email.data)
        except ValidationFailed as exc:
            apply_domain_errors(form, exc)
        else:
            return render_template("auth/check_email.html", reset=True)
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = accounts.user_for_reset_token(token)
    def reset(form):
        tokens = api_tokens.active_count(user)  # what the reset is about to revoke, to say so
        _sign_in(accounts.reset_password(token, form.password.data))
        flash_tokens_revoked(tokens)

    return submit_form(ResetPasswordForm(), reset,
                       success=lambda _result: _("Your password is changed. You are signed in; other devices are "
                                                 "signed out."),
                       redirect_to=url_for("dashboard.index"),
                       page=lambda form, status: (render_template("auth/reset.html", form=form, user=user), status))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    invitation = accounts.invitation_for_token(token)
    return submit_form(AcceptInvitationForm(), lambda form: _sign_in(accounts.accept_invitation(
                           token, name=form.name.data, password=form.password.data, locale=select_locale())),
                       success=_("Welcome to %(organisation)s on Agora.", organisation=invitation.organisation.name),
                       redirect_to=url_for("dashboard.index"),
                       page=lambda form, status: (render_template(
                           "auth/accept_invitation.html", form=form, invitation=invitation,
                           role=accounts.ROLE_LABELS.get(invitation.role)), status))


