"""HTTP for everyone who reads Agora's public data: validators and 304s, compression, Vary, CORS.

* **Validators.** A public read (`PUBLIC_PAGES`, `OPEN_DATA`) asked for by nobody in particular (no
  Authorization header, no signed-in session, no remember-me cookie) gets a weak `ETag`, a digest of the
  body it answers with, and a conditional GET whose `If-None-Match` names it is answered `304 Not Modified`
  with no body. The digest, not a guess from the public data token, so the validator is right whatever the
  page shows (tables outside the token, the clock); pages kept by `page_cache.py` cost only the digest.
  Anything a signed-in person or a token gets stays `no-store` without a validator (`security.py`, `api/`).
* **Compression.** Flask-Compress (zstd, brotli or gzip, as `Accept-Encoding` asks) for text
  types from `COMPRESS_MIN_SIZE` bytes, `Vary: Accept-Encoding`; a weak ETag names the same content in
  every coding. Never an answer holding a CSRF token: secret and reflected input compressed together is
  what BREACH reads, so pages made for a signed-in person (their sign-out form) go uncompressed.
  Stylesheets and scripts (streamed files) are read into memory first, so that they are compressed too.
* **Vary.** `Accept-Language` on every answer the app makes (visitors' language follows it, problems too),
  `Cookie` on public reads (a signed-in session changes the page), `Accept` when `negotiation.wants_json`
  looked at it, `Accept-Encoding` (Flask-Compress), `Authorization` (the API).
* **CORS.** `OPEN_DATA` (the API's public GETs, OCDS, the feed, the CSV, the OpenAPI document) answers
  `Access-Control-Allow-Origin: *`, never with credentials, and only to a request carrying no
  Authorization header and no signed-in session; a preflight may ask for GET or HEAD with the safe
  headers below (never Authorization). Nothing else is shared across origins.
"""
from flask import current_app, g, request, session
from flask_login import current_user

from ..extensions import compress
from ..services.permissions import signed_in

# Pages whose answer is the same for every visitor who is not signed in.
PUBLIC_PAGES = frozenset({
    "main.home", "challenges.index", "challenges.detail", "companies.show", "open_data.stats", "open_data.policy",
    "about.accessibility", "about.privacy", "about.terms", "about.contact", "about.help", "about.help_companies",
    "about.help_agencies", "api.docs", "open_data.challenge_columns",
})
# Data for programs: shared across origins too. The API's GETs that need no token join at registration.
OPEN_DATA = {"open_data.challenges_feed", "open_data.challenges_csv", "api.openapi_json", "open_data.stats_json",
             "open_data.stats_csv", "open_data.challenge_columns_json", "open_data.bulk_file",
             "open_data.data_catalogue"}

CORS_METHODS = ("GET", "HEAD")
CORS_REQUEST_HEADERS = frozenset({"accept", "accept-language", "if-none-match", "if-modified-since"})
CORS_EXPOSED_HEADERS = "ETag, Link, X-Total-Count, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, " \
                       "X-RateLimit-Reset"
PREFLIGHT_MAX_AGE = 86400


def by_nobody():
    """No token, no signed-in session, no remember-me cookie: what anyone at all would get."""
    return ("Authorization" not in request.headers and "_user_id" not in session
            and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies
            and not signed_in(current_user))


def public_read():
    """A GET of a public page or of open data by nobody in particular: the same answer for anyone."""
    return request.method in ("GET", "HEAD") and (request.endpoint in PUBLIC_PAGES or request.endpoint in OPEN_DATA) \
        and by_nobody()


def vary_on_accept():
    """Called where an answer's type follows the Accept header (`negotiation.wants_json`)."""
    request.environ["agora.vary_on_accept"] = True


def http_headers(response):
    """An after-request hook: validators and 304, Vary, CORS, then compression (in that order)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static" or endpoint.endswith(".static"):
        text = response.mimetype in compress.compress_mimetypes_set
        if response.status_code == 200 and response.is_streamed and text:
            response.direct_passthrough = False
            response.make_sequence()  # a stylesheet or script read into memory, so that gzip applies too
            request.environ[_DIGEST] = response.get_etag()[0]  # Werkzeug's: the file's time, size and name
        return _compress(response)
    response.vary.add("Accept-Language")
    if request.environ.get("agora.vary_on_accept"):
        response.vary.add("Accept")
    if public_read():
        response.vary.add("Cookie")
        if response.status_code == 200 and not response.is_streamed and not response.get_etag()[0]:
            response.add_etag(weak=True)
            request.environ[_DIGEST] = response.get_etag()[0]
            response.make_conditional(request)
    if endpoint in OPEN_DATA:
        _cors(response)
    return _compress(response)


def _cors(response):
    response.vary.add("Cookie")
    response.vary.add("Authorization")
    if not by_nobody():
        return
    if request.method == "OPTIONS":
        method = request.headers.get("Access-Control-Request-Method")
        asked = {h.strip().lower() for h in request.headers.get("Access-Control-Request-Headers", "").split(",")
                 if h.strip()}
        if method not in CORS_METHODS or not asked <= CORS_REQUEST_HEADERS:
            return  # no CORS headers: the browser will not send the request
        response.headers["Access-Control-Allow-Methods"] = ", ".join(CORS_METHODS)
        if asked:
            response.headers["Access-Control-Allow-Headers"] = ", ".join(sorted(asked))
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    elif request.method not in CORS_METHODS:
        return
    else:
        response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
    response.headers["Access-Control-Allow-Origin"] = "*"


def _compress(response):
    if current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g:
        return response  # a CSRF token in the body: never compressed (BREACH)
    return compress.after_request(response)


_DIGEST = "agora.body_digest"  # the ETag this hook gave the body (or a static file's): names its compressed copies


def _body_digest(request):
    return request.environ.get(_DIGEST) or ""


class CompressedCopies:
    """Flask-Compress's cache: the compressed copies of bodies named by their digest ("gzip;<digest>"), so a
    public read asked again (a page kept by page_cache.py, an unchanged API list) is not compressed again.
    An answer without a digest of ours (made for someone, or without a validator) is never kept."""

    def __init__(self, max_entries=256):
        from .page_cache import MemoryStore

        self._store = MemoryStore(max_entries)

    def get(self, key):
        return None if key.endswith(";") else self._store.get(key)

    def set(self, key, body):
        if not key.endswith(";") and len(body) <= MAX_KEPT_BYTES:
            self._store.set(key, body, KEPT_SECONDS)


MAX_KEPT_BYTES = 256 * 1024
KEPT_SECONDS = 24 * 3600  # a digest names its content for ever: only room decides what goes


def register(app):
    from ..api.operations import OPERATIONS, REQUIRED

    OPEN_DATA.update(f"api.{op.endpoint}" for op in OPERATIONS if op.method == "GET" and op.auth != REQUIRED)
    app.config.setdefault("COMPRESS_REGISTER", False)  # called by http_headers, after the validators
    app.config.setdefault("COMPRESS_CACHE_BACKEND", CompressedCopies)
    app.config.setdefault("COMPRESS_CACHE_KEY", _body_digest)
    compress.init_app(app)
    app.after_request(http_headers)
