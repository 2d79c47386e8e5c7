"""Declaring an API operation once: its route, token, parameters, body and answer, read by Flask and by OpenAPI.

`@operation(...)` registers the view on the API blueprint and wraps it: the
wrapper authenticates the bearer token, validates the path, query and body
against the declared types (pydantic models, which are also the OpenAPI
schemas), calls the view, and turns its result into JSON through the declared
response model. A view only calls one service and builds its answer.
"""
import inspect
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, get_args, get_origin

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import AnonymousUserMixin
from pydantic import (
    AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError,
    field_serializer,
)
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import UnsupportedMediaType

from ..formatting import rfc3339
from ..services.accounts import api_tokens
from ..services.errors import NotAuthenticated, NotFound
from .problems import RequestProblem, validation_detail

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC = "public"        # no token looked at
OPTIONAL = "optional"    # a token, if sent, must be valid; it may show more (an agency's own draft)
REQUIRED = "required"    # a valid token, always

OPERATIONS = []

# ---- Types shared by the schemas: what a hostile string cannot get past -----------------------------------------

# No NUL byte, in any text: PostgreSQL cannot store one.
PlainText = Annotated[str, Field(pattern=r"^[^\x00]*$")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9-]+$", min_length=1, max_length=220,
                            description="The slug in the page's address.")]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _whole(value):
    return int(value) if type(value) is float and value.is_integer() else value


# A whole number in a body: strict, except that `35.0` is 35 (JavaScript and many JSON writers send whole floats,
# and JSON Schema counts them integers too). `35.5`, `"35"` and `true` are still refused.
WholeNumber = Annotated[int, BeforeValidator(_whole)]
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2200, 1, 1, tzinfo=timezone.utc)


def _utc(value):
    try:
        value = value.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(_("Send a moment between the years 2000 and 2200.")) from None
    if not EARLIEST <= value < LATEST:
        raise ValueError(_("Send a moment between the years 2000 and 2200."))
    return value


UTCTime = Annotated[AwareDatetime, Field(description="RFC 3339 date-time with a time zone, e.g. 2030-05-31T12:00:00+02:00"),
                    AfterValidator(_utc)]


class Body(BaseModel):
    """A request body: strict JSON types and no unknown fields (a whole number is a `WholeNumber`, not an int)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Query(BaseModel):
    """Query parameters: strings converted to the declared types; unknown parameters are ignored."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    def as_args(self):
        """The checked values as query arguments again, for the parsers the pages use too.

        Numbers stay numbers: as text, 123.456 would be read the way a Belgian writes 123 456.
        """
        args = MultiDict()
        for name, value in self.model_dump().items():
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    args.add(name, ("true" if item else "false") if isinstance(item, bool) else item)
        return args


class Output(BaseModel):
    """A response body; every moment in it is written as the open data write it (`formatting.rfc3339`)."""

    model_config = ConfigDict(from_attributes=True)

    @field_serializer("*", mode="wrap", when_used="json")
    def _moments(self, value, handler):
        return rfc3339(value) if isinstance(value, datetime) else handler(value)


@dataclass
class Operation:
    method: str
    path: str                      # OpenAPI style: /challenges/{slug}
    endpoint: str
    view: object
    tag: str
    auth: str
    query: type | None
    body: type | None
    response: object               # an Output model, or a plain JSON Schema dict whose values pass as they are
    statuses: tuple                # the success statuses; the first is the usual one
    path_params: dict              # name -> annotation
    media_type: str
    errors: tuple = ()             # error statuses the view itself may answer, beyond those its shape implies

    @property
    def status(self):
        return self.statuses[0]

    @property
    def summary(self):
        return (inspect.getdoc(self.view) or self.endpoint).split("\n", 1)[0]

    @property
    def description(self):
        parts = (inspect.getdoc(self.view) or "").split("\n", 1)
        return parts[1].strip() if len(parts) > 1 else ""


def operation(method, path, *, tag, response, status=200, query=None, body=None, auth=PUBLIC,
              media_type="application/json", errors=()):
    """Declare and register one API operation; see the package docstring for an example.

    `status` is the success status, or a tuple of them when the view picks one (200 or 201); `errors` lists
    error statuses the view raises itself that its shape does not imply (so the OpenAPI document shows them).
    """

    def decorate(view):
        signature = inspect.signature(view)
        path_params = {name: p.annotation for name, p in signature.parameters.items()
                       if f"{{{name}}}" in path}
        flask_path = path
        for name, annotation in path_params.items():
            converter = "id" if _base_type(annotation) is int else "string"
            flask_path = flask_path.replace(f"{{{name}}}", f"<{converter}:{name}>")
        op = Operation(method=method, path=path, endpoint=view.__name__, view=view, tag=tag, auth=auth, query=query,
                       body=body, response=response, statuses=status if isinstance(status, tuple) else (status,),
                       path_params=path_params, media_type=media_type, errors=tuple(errors))
        OPERATIONS.append(op)
        bp.add_url_rule(flask_path, endpoint=view.__name__, view_func=_wrap(op, signature), methods=[method])
        return view

    return decorate


def _base_type(annotation):
    return get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation


def _wrap(op, signature):
    adapters = {name: TypeAdapter(annotation) for name, annotation in op.path_params.items()}
    wants = set(signature.parameters)

    def endpoint(**path_values):
        kwargs = {}
        for name, value in path_values.items():
            try:
                kwargs[name] = adapters[name].validate_python(value)
            except ValidationError:
                raise NotFound(str(_l("We could not find that."))) from None  # no such address
        if "user" in wants:
            kwargs["user"] = current_api_user(op.auth)
        if op.query is not None:
            kwargs["query"] = parse_query(op.query)
        if op.body is not None:
            kwargs["body"] = parse_body(op.body)
        return respond(op, op.view(**kwargs))

    endpoint.__name__ = op.endpoint
    endpoint.__doc__ = op.view.__doc__
    return endpoint


def current_api_user(auth):
    """The token's user, or an anonymous visitor where the operation allows one. Cookies are never looked at."""
    header = request.headers.get("Authorization")
    if header is None or auth == PUBLIC:
        if auth == REQUIRED:
            raise NotAuthenticated(str(_l("Send your personal API token in the header %(header)s.", header="Authorization: Bearer …")))
        return AnonymousUserMixin()
    user, refusal = bearer()
    if refusal is not None:
        raise refusal
    return user


_BEARER = "agora.api_bearer"  # this request's token, checked (in the WSGI environ: one per request)


def bearer():
    """(user, None) for a working bearer token, (None, the refusal) otherwise; checked once per request (the rate
    limit asks first, to count per token)."""
    checked = request.environ.get(_BEARER)
    if checked is None:
        scheme, _space, raw = request.headers.get("Authorization", "").strip().partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise NotAuthenticated(str(_l("Send your personal API token in the header %(header)s.",
                                              header="Authorization: Bearer …")))
            checked = (api_tokens.authenticate(raw.strip()), None, api_tokens.digest(raw.strip()))
        except NotAuthenticated as refusal:
            checked = (None, refusal, None)
        request.environ[_BEARER] = checked
    return checked[:2]


def rate_limit_key():
    """Per working token when one is sent, per client address otherwise (a made-up token counts as no token)."""
    digest = _working_token_digest()
    return "api-token:" + digest if digest else get_remote_address()


def rate_limit():
    """API_TOKEN_RATE_LIMIT for a working token, API_RATE_LIMIT otherwise."""
    return current_app.config["API_TOKEN_RATE_LIMIT" if _working_token_digest() else "API_RATE_LIMIT"]


def _working_token_digest():
    """The digest of the working token sent, or None. Never raises: Flask-Limiter takes any error in a limit's
    functions for its storage failing and counts in an empty memory store for a while, forgetting what it had
    counted. With the database unreachable the token cannot be checked: the call counts as one without a token,
    and the view meets the same error and answers it."""
    if "Authorization" not in request.headers:
        return None
    try:
        return request.environ[_BEARER][2] if bearer()[0] is not None else None
    except SQLAlchemyError:
        return None


def _is_list(annotation):
    return get_origin(_base_type(annotation)) is list


def parse_query(model):
    data = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key in request.args:
            data[name] = request.args.getlist(key) if _is_list(field.annotation) else request.args.get(key)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestProblem("validation-failed", _l("Some query parameters are not valid."), errors=[
            {"parameter": ".".join(str(p) for p in error["loc"][:1]), "detail": validation_detail(error)}
            for error in exc.errors()]) from None


def parse_body(model):
    if not request.is_json:
        raise UnsupportedMediaType(str(_l("Send the body as JSON, with Content-Type: application/json.")))
    raw = request.get_data(cache=False)  # above the API's body limit this raises 413
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise RequestProblem("invalid-json", _l("The body could not be read as JSON (UTF-8).")) from None
        raise RequestProblem("validation-failed", _l("Some fields of the body are not valid."), errors=[
            {"pointer": "#/" + "/".join(str(p) for p in error["loc"]), "detail": validation_detail(error)}
            for error in exc.errors()]) from None


class JsonText(str):
    """An answer already written as `respond` would write it (the app's JSON settings, compact): see
    json_with_items."""


_ITEMS_SLOT = f"\x00items written apart {uuid.uuid4().hex}"  # no string of an answer holds it (not even a NUL)


def _indented():
    provider = current_app.json
    return (provider.compact is None and current_app.debug) or provider.compact is False


def item_json(value):
    """One item of a list (plain JSON values) written as `respond` writes it inside a compact answer."""
    return current_app.json.dumps(value, separators=(",", ":"))


def json_with_items(value, key, item_texts):
    """`value` (a dict) as `respond` writes it, its member `key` being the list whose items are already written
    (`item_json`, kept per item): the items are neither read back nor written again. Byte for byte what writing
    the whole would give; in debug mode (indented answers) the items are read back and the whole is written."""
    if _indented():
        return {**value, key: [current_app.json.loads(text) for text in item_texts]}
    slot = item_json(_ITEMS_SLOT)
    return JsonText(item_json({**value, key: _ITEMS_SLOT}).replace(slot, "[" + ",".join(item_texts) + "]", 1))


def respond(op, result):
    """The view's result, `model` or `(model, status)` or `(model, status, headers)`, as a JSON response; the
    model may be a `JsonText`, already written."""
    status, headers = op.status, {}
    if isinstance(result, tuple):
        result, status, *rest = result
        headers = rest[0] if rest else {}
    if isinstance(result, JsonText):
        response = current_app.response_class(f"{result}\n")
    else:
        response = jsonify(result.model_dump(mode="json") if isinstance(result, BaseModel) else result)
    response.status_code = status
    response.mimetype = op.media_type
    response.headers.update(headers)
    return response
