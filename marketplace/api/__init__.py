"""The JSON API at /api/v1: public reads, token-authenticated writes, its OpenAPI 3.1 document and docs page.

How it fits together
--------------------
* `operations.operation(...)` declares an operation once: method, path, tag, who may call it (`PUBLIC`,
  `OPTIONAL` or `REQUIRED` bearer token), the query and body models and the response model. The same
  declaration registers the Flask route, validates the request and builds the OpenAPI document
  (`openapi.py`), which in turn renders the docs page. Nothing is written twice.
* Models are pydantic classes next to their routes: `Body` (strict JSON, no unknown fields), `Query`
  (strings converted; unknown parameters ignored) and `Output` (answers). Free text uses `PlainText`
  (no NUL byte), addresses use `Slug` and `Id`, times `UTCTime`.
* Views stay thin: call one service from `services/` (the same ones the pages call, so the same
  `services/permissions.py` rules), then build the `Output`.
* `problems.py` is the one place errors become RFC 9457 problem details.
* Tokens: only the `Authorization: Bearer <token>` header authenticates; session cookies are never read
  here, so the blueprint is CSRF-exempt without opening a CSRF hole (a cross-site form cannot set that
  header, and without a token every write answers 401). Every route shares one rate limit, counted per
  working token (`API_TOKEN_RATE_LIMIT`) or else per client address (`API_RATE_LIMIT`), and one body limit
  (`API_MAX_BODY_BYTES`). Public reads get validators, compression and CORS from `web/http_cache.py`.

Adding a read-only route
------------------------
`api/ocds.py` is the example to copy: a `Query` model, one `@operation(...)` declaration with a
plain JSON Schema dict as its `response`, and a view that calls one service. Then add the module to
the import line at the bottom of this file. `response` is either an `Output` model (the view returns
an instance of it) or a plain JSON Schema dict, whose value the view returns as it is (a dict, or
`(dict, status, headers)`); `media_type=` changes the content type. The route then appears in
/api/v1/openapi.json and /api/v1/docs, answers errors as problems, is rate limited, and is fuzzed by
tests/api/test_schemathesis.py. Add its row to tests/web/test_permission_matrix.py.
"""
from flask import current_app, request
from werkzeug.routing import IntegerConverter

from ..extensions import csrf, limiter
from . import problems
from .operations import bp, rate_limit, rate_limit_key


class IdConverter(IntegerConverter):
    """A database id in a path: at most 10 digits, so a 5,000-digit number is a 404, not a crash."""

    regex = r"\d{1,10}"


@bp.before_request
def limit_body_size():
    request.max_content_length = current_app.config["API_MAX_BODY_BYTES"]


@bp.after_request
def never_cache_token_answers(response):
    response.headers["Cache-Control"] = "no-store" if "Authorization" in request.headers else "no-cache"
    response.vary.add("Authorization")
    return response


def register(app):
    app.url_map.converters["id"] = IdConverter
    app.register_blueprint(bp)


problems.register(bp)
csrf.exempt(bp)  # the API reads no cookie: see above
limiter.limit(rate_limit, key_func=rate_limit_key)(bp)  # per token with one, per address without

from . import audit, challenges, ocds, openapi, organisations, pilots, pitches, questions  # noqa: E402,F401  (declare the routes)
