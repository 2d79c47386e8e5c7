"""The one way a page form is handled: form → one service call → flash → redirect.

    return submit_form(CancelForm(cancelling=words), lambda form: challenges.cancel_challenge(current_user, slug, form.reason.data),
                       success=_("The challenge is cancelled. The reason is shown on its page."),
                       redirect_to=url_for(".detail", slug=slug),
                       page=lambda form, status: (render_template("challenges/cancel.html", form=form,
                                                                  challenge=challenge), status))

What the person typed is never lost: when the form's own checks or the service refuse it, `page` renders the same
page again with the bound form —

* `ValidationFailed`: each message beside its field (the rest in the error summary), status 422;
* any other rule that says no now (`Conflict`: `InvalidTransition`, `StaleState`, a deadline passed…; or
  `NotAllowed`): its reason in the error summary, with its own status (409, 403), the transaction rolled back.

A refused page's language switcher sends the form again as it was sent, with its button (`i18n.resent_submission`):
the same page answers, in the language picked, with the form's checks and `check_first` asked again (so their
reasons are in that language) and the action never called — switching language saves nothing.

`NotFound` is not caught: where existence must stay hidden, the error handler answers 404 (web/errors.py).
"""
from flask import flash, redirect, request
from flask_babel import gettext as _

from ..extensions import db
from ..forms import apply_domain_errors
from ..services.errors import Conflict, NotAllowed, ValidationFailed
from .i18n import refused, switched_language


def submit_form(form, action, *, success, redirect_to, page, done=None, check_first=None):
    """Handle a page form.

    `action(form)` calls the service; `success` (a message, or a function of the action's result, None for no
    message) is flashed and the answer redirects to `redirect_to` (a URL or a function of the result). `page(form,
    status)` answers the same page with the form; on a GET it shows the form as it is, with status 200.
    `done(result)`, when given, answers instead of the redirect: for a secret shown in this answer only (recovery
    codes), which must not be stored for a later page nor put in the session cookie.
    `check_first()`, a rule of the state (a draft is still a draft…), is asked before the fields: when it says no,
    its reason leads, rather than field errors that could not help.
    """
    if request.method != "POST":
        return page(form, 200)
    if switched_language():
        return _shown_again(form, _refusal(page), check_first)
    page = _refusal(page)
    status = 422
    try:
        if check_first is not None:
            check_first()
    except (Conflict, NotAllowed) as exc:
        db.session.rollback()
        form.form_errors.append(str(exc.message))
        return page(form, exc.status_code)
    if form.validate():
        try:
            result = action(form)
        except ValidationFailed as exc:
            db.session.rollback()
            apply_domain_errors(form, exc)
        except (Conflict, NotAllowed) as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
            status = exc.status_code
        else:
            message = success(result) if callable(success) else success
            if message:
                flash(message, "success")
            if done is not None:
                return done(result)
            return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
    return page(form, status)


def _refusal(page):
    """`page`, answering a POST with its form again: the language switcher then sends that form again."""
    def answer(form, status):
        refused(form)
        return page(form, status)
    return answer


def _shown_again(form, page, check_first):
    """The refused form sent again by the language switcher: checked again in the new language, never saved."""
    flash(_("The form is shown again in this language. Nothing was saved or sent: check it, then send it."), "info")
    if check_first is not None:
        try:
            check_first()
        except (Conflict, NotAllowed) as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
            return page(form, exc.status_code)
    form.validate()
    for field in form:
        if field.type == "PasswordField" and not field.data:  # not sent again (resent_submission): asked anew
            field.errors = []
    return page(form, 422 if form.errors else 200)
