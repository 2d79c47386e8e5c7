"""The one place where everything that goes wrong in the API becomes problem details (RFC 9457).

Domain exceptions, refused input, HTTP errors (404 of an unknown /api/ path,
405, 413, 429) and the unexpected all answer `application/problem+json`
with the status that says what happened; the body never shows internals.
"""
import json

from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..formatting import file_size, number
from ..services.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotAuthenticated, PitchDeadlinePassed, StaleState, ValidationFailed

MEDIA_TYPE = "application/problem+json"

# Problem types with a meaning of their own (anchors of the docs page); every other problem is `about:blank`.
PROBLEM_TYPES = {
    "invalid-json": (400, _l("The request body is not valid JSON")),
    "not-authenticated": (401, _l("A valid API token is needed")),
    "not-allowed": (403, _l("Not allowed")),
    "conflict": (409, _l("Conflict with the current state")),
    "invalid-transition": (409, _l("Not possible in the current state")),
    "stale-state": (409, _l("Changed by someone else meanwhile")),
    "deadline-passed": (409, _l("The deadline has passed")),
    "validation-failed": (422, _l("The request has invalid fields")),
}
# The title of an `about:blank` problem: the status's reason phrase (RFC 9457 §4.2.1), in the reader's language.
STATUS_TITLES = {
    400: _l("Bad Request"), 401: _l("Unauthorized"), 403: _l("Forbidden"), 404: _l("Not Found"),
    405: _l("Method Not Allowed"), 406: _l("Not Acceptable"), 409: _l("Conflict"), 410: _l("Gone"),
    412: _l("Precondition Failed"), 413: _l("Request Entity Too Large"), 415: _l("Unsupported Media Type"),
    422: _l("Unprocessable Entity"), 428: _l("Precondition Required"), 429: _l("Too Many Requests"),
    500: _l("Internal Server Error"), 502: _l("Bad Gateway"), 503: _l("Service Unavailable"),
}
# Most specific first: the first class that matches names the problem type.
DOMAIN_TYPES = (
    (ValidationFailed, "validation-failed"), (NotAuthenticated, "not-authenticated"), (NotAllowed, "not-allowed"),
    (StaleState, "stale-state"), (PitchDeadlinePassed, "deadline-passed"), (InvalidTransition, "invalid-transition"),
    (Conflict, "conflict"),
)


class RequestProblem(Exception):
    """A refusal the API layer itself makes (bad JSON, wrong field types), before any service runs."""

    def __init__(self, kind, detail=None, errors=None):
        super().__init__(detail or kind)
        self.kind, self.detail, self.errors = kind, detail, errors


def type_uri(kind):
    return url_for("api.docs", _external=True, _anchor=f"problem-{kind}")


def problem_response(status, *, kind=None, detail=None, errors=None, headers=None):
    body = {"type": type_uri(kind) if kind else "about:blank",
            "title": str(PROBLEM_TYPES[kind][1] if kind else STATUS_TITLES.get(status, _l("Error"))),
            "status": status, "instance": request.path}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    response.headers.update(headers or {})
    return response


# Pydantic writes its messages in English only; the API answers in the reader's language, as the pages do.
# An error type becomes a fixed sentence, or a sentence built from the error's context; an unforeseen type
# keeps pydantic's message.
_SENTENCES = {}
for _kinds, _sentence in [
    (("missing",), _l("This is required.")),
    (("extra_forbidden",), _l("This field is not known here; leave it out.")),
    (("model_type", "dict_type"), _l("Send a JSON object.")),
    (("list_type",), _l("Send a list.")),
    (("string_type",), _l("Send text.")),
    (("bool_type", "bool_parsing"), _l("Send true or false.")),
    (("int_type", "int_parsing", "int_from_float"), _l("Send a whole number.")),
    (("float_type", "float_parsing", "finite_number"), _l("Send a number.")),
    (("string_pattern_mismatch",), _l("This holds characters that are not allowed here.")),
    (("datetime_type", "datetime_parsing", "datetime_from_date_parsing"),
     _l("Send a date and time as RFC 3339, for example 2030-05-31T12:00:00+02:00.")),
    (("timezone_aware",), _l("Add the time zone, for example +02:00 or Z.")),
]:
    _SENTENCES.update(dict.fromkeys(_kinds, _sentence))

_SENTENCES_FROM_CONTEXT = {
    "greater_than_equal": lambda ctx: _("Send %(n)s or more.", n=number(ctx["ge"])),
    "greater_than": lambda ctx: _("Send more than %(n)s.", n=number(ctx["gt"])),
    "less_than_equal": lambda ctx: _("Send %(n)s or less.", n=number(ctx["le"])),
    "less_than": lambda ctx: _("Send less than %(n)s.", n=number(ctx["lt"])),
    "string_too_short": lambda ctx: ngettext("Write at least %(n)s character.", "Write at least %(n)s characters.",
                                             ctx["min_length"], n=number(ctx["min_length"])),
    "string_too_long": lambda ctx: ngettext("Write at most %(n)s character.", "Write at most %(n)s characters.",
                                            ctx["max_length"], n=number(ctx["max_length"])),
    "too_short": lambda ctx: ngettext("Send at least %(n)s item.", "Send at least %(n)s items.", ctx["min_length"],
                                      n=number(ctx["min_length"])),
    "too_long": lambda ctx: ngettext("Send at most %(n)s item.", "Send at most %(n)s items.", ctx["max_length"],
                                     n=number(ctx["max_length"])),
    # pydantic joins the choices as "'a', 'b' or 'c'": its English "or" becomes a comma
    "literal_error": lambda ctx: _("Choose one of: %(choices)s.", choices=ctx["expected"].replace(" or ", ", ")),
    "value_error": lambda ctx: str(ctx["error"]),  # our own validators raise messages already translated
}


def validation_detail(error):
    """One pydantic error as a sentence in the reader's language."""
    kind = error["type"]
    if kind in _SENTENCES:
        return str(_SENTENCES[kind])
    if kind in _SENTENCES_FROM_CONTEXT:
        return _SENTENCES_FROM_CONTEXT[kind](error.get("ctx") or {})
    return error["msg"]


def field_errors(errors):
    """A service's {field: [messages]} as RFC 9457 style entries pointing into the request body."""
    return [{"pointer": "#/" + name.replace("-", "/") if name else "#", "detail": str(message)}
            for name, messages in errors.items() for message in messages]


def _unauthenticated_headers():
    challenge = 'Bearer realm="Agora API"'
    if request.headers.get("Authorization"):
        challenge += ', error="invalid_token"'
    return {"WWW-Authenticate": challenge}


def from_domain_error(exc):
    db.session.rollback()
    kind = next((kind for cls, kind in DOMAIN_TYPES if isinstance(exc, cls)), None)
    if kind is None:  # NotFound among them: a plain 404, nothing to link to
        return problem_response(exc.status_code, detail=exc.message)
    return problem_response(
        exc.status_code, kind=kind, detail=exc.message,
        errors=field_errors(exc.errors) if isinstance(exc, ValidationFailed) else None,
        headers=_unauthenticated_headers() if isinstance(exc, NotAuthenticated) else None)


def from_problem(exc):
    db.session.rollback()
    return problem_response(PROBLEM_TYPES[exc.kind][0], kind=exc.kind, detail=exc.detail, errors=exc.errors)


def from_http_exception(exc):
    """Werkzeug's errors (an unknown path, a wrong method, a body too large, too many requests) as problems."""
    status = exc.code or 500
    headers = {key: value for key, value in exc.get_headers() if key.lower() not in ("content-type",
                                                                                     "content-length")}
    # Werkzeug's own descriptions are English: the reader's language says it instead, or nothing is said.
    detail = None if exc.description == type(exc).description else exc.description
    if status == 405:
        detail = _l("This address accepts only %(methods)s.", methods=", ".join(sorted(exc.valid_methods or ())))
    elif status == 413:
        detail = _l("Send at most %(size)s in one request.", size=file_size(request.max_content_length or 0))
    elif status == 429:
        detail = _l("Too many requests. Wait a little and try again.")
    elif status == 400 and detail is None:  # werkzeug's own, e.g. a NUL byte in the address
        detail = _l("The request cannot be read: check the address and the values it sends.")
    return problem_response(status, detail=detail, headers=headers)


def from_stale_row(exc):
    db.session.rollback()
    return problem_response(409, kind="stale-state",
                            detail=_l("Someone else changed this at the same moment. Read it again and retry."))


def from_server_error(exc):
    db.session.rollback()
    return problem_response(500)


def register(bp):
    """Blueprint-level handlers: they win over the pages' handlers for every API route."""
    bp.register_error_handler(DomainError, from_domain_error)
    bp.register_error_handler(RequestProblem, from_problem)
    bp.register_error_handler(StaleDataError, from_stale_row)
    bp.register_error_handler(HTTPException, from_http_exception)
    # The pages register these two codes by number, which Flask looks up before any class: repeat them here.
    bp.register_error_handler(429, from_http_exception)
    bp.register_error_handler(500, from_server_error)
