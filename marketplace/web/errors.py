"""Error pages, and the one place domain exceptions become HTTP answers for the pages."""
from urllib.parse import urlsplit

from flask import current_app, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..formatting import file_size
from ..services.errors import DomainError, NotFound, Withheld
from .negotiation import wants_json


def _way_back():
    """The page the person came from, on this site (a refused button leads back to where it was pressed)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return None
    back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return None if back == request.full_path.rstrip("?") else back


def _page(status, message=None, onward=None):
    """`onward`: (url, words), the page where the step that comes first is (`comes_first`)."""
    if wants_json():  # the pitch steps' autosave shows the message beside the form
        return jsonify(saved=False, message=message or _("Not saved.")), status
    return render_template("errors/error.html", status=status, message=message, back=_way_back(),
                           onward=onward), status


def comes_first(exc, url, words):
    """A refusal that means "not yet": name the page where the step that comes first is (a decision opened before
    finalising: the evaluation's overview), for its error page to say so and link there beside the home page;
    returns `exc`, to raise."""
    exc.onward = (url, words)
    return exc


def register(app):
    @app.errorhandler(DomainError)
    def domain_error(exc):
        db.session.rollback()
        if isinstance(exc, NotFound):
            return _page(404)
        if isinstance(exc, Withheld) and exc.challenge is not None and not wants_json():
            # A member of the challenge's panel: why they read no pitch yet, and the step that comes first.
            return render_template("pitches/withheld.html", challenge=exc.challenge, standing=exc.reason,
                                   withheld=exc.message), 403
        return _page(exc.status_code, exc.message, getattr(exc, "onward", None))

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(exc):
        # A versioned row changed between reading and writing, outside a service's own check.
        db.session.rollback()
        return _page(409, _("Someone else changed this at the same moment. Reload the page and try again."))

    @app.errorhandler(CSRFError)
    def form_expired(exc):
        return _page(400, _("This form had expired, so nothing was saved. Go back, reload the page and try again."))

    @app.errorhandler(429)
    def too_many_attempts(exc):
        return _page(429, _("Too many attempts. For your safety, wait a few minutes and try again."))

    @app.errorhandler(413)
    def upload_too_large(exc):
        if request.path.startswith("/api/"):
            from ..api.problems import from_http_exception

            return from_http_exception(exc)
        # The body was never read, so nothing of the form can be kept; the least is to answer on the form's
        # own page (the Referer) with the size sent and the limit, in the person's language.
        message = _("The file you chose is %(sent)s; the most this service accepts is %(limit)s. Choose a smaller "
                    "file, or split it, and send the form again.",
                    sent=file_size(request.content_length or 0), limit=file_size(current_app.config["MAX_CONTENT_LENGTH"]))
        back = _way_back()
        if back and not wants_json():
            flash(message, "error")
            return redirect(back, code=303)
        return _page(413, message)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if request.path.startswith("/api/"):
            # No API route matched (an unknown path, a wrong method): still problem details.
            from ..api.problems import from_http_exception

            return from_http_exception(exc)
        return _page(exc.code or 500, None if exc.code == 404 else exc.description)

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return _page(500)
