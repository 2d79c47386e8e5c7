"""Whole pages for anonymous visitors, kept until what they show changes or PAGE_CACHE_SECONDS pass.

A page is served from the cache, or stored in it, only for a GET from someone
not signed in (no session user, no remember-me cookie, no Authorization header)
with no message waiting to be flashed. A page whose rendering changed the session
or made a CSRF token is never stored, so nothing of one visitor reaches another.
The key is the whole URL (scheme included), the language, the time zone and the public data token
(`services/public_data.py`), which changes in the same transaction as any change
to the tables these pages show; PAGE_CACHE_SECONDS bounds what only time changes
(the "closing in 14 days" filter). Kept in Redis when REDIS_URL is set, shared by
every web process (the most used pages also in each process, for the time they
have left in Redis); otherwise in each process. A kept page is answered by a
before-request hook that runs right after the request id is set, ahead of the
rate limiter, CSRF and two-factor hooks (none applies to an anonymous GET); the
after-request hooks (security headers, logs, metrics) run as for any answer.
"""
import hashlib
import json
import threading
import time
from collections import OrderedDict
from functools import wraps

from flask import Response, current_app, g, request, session
from flask_login import current_user
from werkzeug.http import http_date, parse_cookie, parse_etags, remove_entity_headers, unquote_etag
from werkzeug.wrappers import Request

from ..observability import RequestTimer, new_request_id, request_id_var
from ..services.open_data import public_data
from ..services.permissions import signed_in
from .i18n import select_locale, select_timezone, visitor_locale
from .observability import record_answer

_FORMAT = "2"  # of what a key holds (2: the media type, then the body): a release that changes it changes this
MAX_URL_LENGTH = 1000  # longer query strings are rendered, never stored
MEMORY_ENTRIES = 1024  # pages and complete answers one process keeps (the most recently used)
REDIS_PAUSE_SECONDS = 5  # after a Redis error, render without it for this long


def cached_for_visitors(view):
    """Mark a view whose page anonymous visitors get from the cache (`serve_from_cache`); store what it renders."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = g.pop("page_cache_key", None)  # set by serve_from_cache when it had no page for this visitor
        if key is None:
            return view(*args, **kwargs)
        response = current_app.make_response(view(*args, **kwargs))
        if _storable(response):
            seconds = current_app.config["PAGE_CACHE_SECONDS"]
            page = response.mimetype.encode() + b"\n" + response.get_data()
            current_app.extensions["page_cache"].store.set(key, page, seconds)
            response.headers["X-Page-Cache"] = "miss"
            g.page_cache_kept = (key, seconds)
        response.vary.add("Accept-Language")  # the language is part of the key
        return response

    wrapper.cached_for_visitors = True
    return wrapper


def serve_from_cache():
    """A before-request hook: the kept page, or the key its view stores the page under."""
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "cached_for_visitors", False) or not _anonymous_get():
        return None
    cache = current_app.extensions["page_cache"]
    key = cache.key()
    kept = cache.store.entry(key)
    if kept is None:
        g.page_cache_key = key
        return None
    page, seconds_left = kept
    g.page_cache_kept = (key, seconds_left)
    mimetype, _, body = page.partition(b"\n")
    response = Response(body, mimetype=mimetype.decode())
    response.headers["X-Page-Cache"] = "hit"
    response.vary.add("Accept-Language")
    return response


def _anonymous_get():
    return (request.method == "GET" and len(request.path) + len(request.query_string) <= MAX_URL_LENGTH
            and "_user_id" not in session and "_flashes" not in session
            and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies
            and "Authorization" not in request.headers and not signed_in(current_user))


def _storable(response):
    field_name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return (response.status_code == 200 and not response.is_streamed
            and "Set-Cookie" not in response.headers and not session.modified and field_name not in g
            and not signed_in(current_user))


class PageCache:
    """The store, its key prefix, and the public data token as this process last read it.

    The token is read from the database at most every `token_seconds`: a change committed
    by another process is seen here within that time, one committed by this process at once.
    """

    def __init__(self, store, prefix, token_seconds):
        self.store, self.prefix, self.token_seconds = store, prefix, token_seconds
        self._token = (None, -1.0, -1)  # token, when read, this process's renewals then

    def key(self):
        # The very selectors Flask-Babel renders with, without building its Locale and zone objects on a hit.
        return self.key_for(request, str(select_locale()), str(select_timezone()), self.public_token())

    def key_for(self, asked, locale, zone, token):
        """The key of the page `asked` (a Werkzeug request) in that language and zone under that token."""
        # The scheme too: an answer over https carries HSTS, and pages may hold absolute links.
        parts = (_FORMAT, asked.scheme, asked.host, asked.script_root, asked.path,
                 asked.query_string.decode("latin-1"), locale, zone, token)
        return self.prefix + hashlib.blake2b("\n".join(parts).encode(), digest_size=20).hexdigest()

    def public_token(self):
        token = self.token_if_fresh()
        if token is None:
            token = public_data.token_in_this_transaction() or ""
            self._token = (token, time.monotonic(), public_data.renewals_in_this_process())
        return token

    def token_if_fresh(self):
        """The token last read, unless it is older than `token_seconds` or this process renewed one since."""
        token, read_at, renewals = self._token
        if time.monotonic() - read_at >= self.token_seconds or renewals != public_data.renewals_in_this_process():
            return None
        return token

    def clear(self):
        """Forget the pages kept in this process (the tests empty the database between them)."""
        self.store.clear()


class MemoryStore:
    """In this process: the most recently used pages, each until it expires."""

    def __init__(self, max_entries=MEMORY_ENTRIES):
        self.max_entries = max_entries
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        kept = self.entry(key)
        return None if kept is None else kept[0]

    def entry(self, key):
        """(body, seconds it has left), or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            seconds_left = entry[0] - time.monotonic()
            if seconds_left <= 0:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1], seconds_left

    def set(self, key, body, seconds):
        with self._lock:
            self._entries[key] = (time.monotonic() + seconds, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self):
        with self._lock:
            self._entries.clear()


class RedisStore:
    """In Redis, shared by every web process, the hottest pages also kept in this process for the time they have
    left in Redis; a Redis failure means rendering the page, never an error."""

    def __init__(self, url):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._error = redis.RedisError
        self._paused_until = 0.0
        self._here = MemoryStore()

    def get(self, key):
        kept = self.entry(key)
        return None if kept is None else kept[0]

    def entry(self, key):
        """(body, seconds it has left), or None."""
        kept = self._here.entry(key)
        if kept is not None or time.monotonic() < self._paused_until:
            return kept
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                body, milliseconds_left = pipe.get(key).pttl(key).execute()
        except self._error:
            self._pause()
            return None
        if body is None or milliseconds_left <= 0:
            return None
        self._here.set(key, body, milliseconds_left / 1000)
        return body, milliseconds_left / 1000

    def set(self, key, body, seconds):
        self._here.set(key, body, seconds)
        if time.monotonic() < self._paused_until:
            return
        try:
            self._redis.set(key, body, ex=max(1, int(seconds)))
        except self._error:
            self._pause()

    def clear(self):
        self._here.clear()

    def _pause(self):
        current_app.logger.warning("page cache: Redis unavailable, rendering pages for %ss", REDIS_PAUSE_SECONDS)
        self._paused_until = time.monotonic() + REDIS_PAUSE_SECONDS


# The complete answers of the front --------------------------------------------------------------------------

_ANSWER = "answer:"  # beside the page's key: its complete answer for one Accept-Encoding
_MADE_PER_ANSWER = frozenset({"X-Request-ID", "X-Page-Cache", "Date"})


def _answer_key(page_key, accept_encoding):
    return page_key + _ANSWER + hashlib.blake2b(accept_encoding.strip().encode("latin-1"), digest_size=8).hexdigest()


def _cookies_of_ours(app):
    return (app.config["SESSION_COOKIE_NAME"], app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))


def _for_the_front(environ, cookie_names):
    """A GET from a visitor who sends no Authorization header and none of our cookies: the front may answer."""
    if environ.get("REQUEST_METHOD") != "GET" or "HTTP_AUTHORIZATION" in environ or "HTTP_IF_MATCH" in environ:
        return False  # (If-Match, rare on a page, is left to Werkzeug's conditional answer)
    cookies = environ.get("HTTP_COOKIE")
    return not cookies or not any(name in parse_cookie(cookies) for name in cookie_names)


def keep_the_answer(response):
    """An after-request hook, run after the validators, compression and security headers (registered before
    them): a kept page's complete answer, for the front to give the next visitor like this one."""
    kept = g.pop("page_cache_kept", None)
    if (kept is None or response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers
            or not _for_the_front(request.environ, _cookies_of_ours(current_app))):
        return response
    page_key, seconds_left = kept
    headers = [(name, value) for name, value in response.headers.items() if name not in _MADE_PER_ANSWER]
    head = json.dumps({"endpoint": request.endpoint, "headers": headers}).encode()
    current_app.extensions["page_cache"].store.set(
        _answer_key(page_key, request.headers.get("Accept-Encoding", "")), head + b"\n" + response.get_data(),
        seconds_left)
    return response


class VisitorFront:
    """WSGI middleware: the complete kept answer for a visitor the page cache may serve and who sends none of our
    cookies, before Flask builds a request; anything else goes on to Flask."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app, self.cache = wsgi_app, app.extensions["page_cache"]
        self.cookie_names = _cookies_of_ours(app)
        self.languages, self.default_locale = app.config["LANGUAGES"], app.config["BABEL_DEFAULT_LOCALE"]
        self.zone = str(app.config["DEFAULT_TIMEZONE"])

    def __call__(self, environ, start_response):
        answer = self._kept_answer(environ) if _for_the_front(environ, self.cookie_names) else None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        return self._answer(environ, start_response, answer)

    def _kept_answer(self, environ):
        token = self.cache.token_if_fresh()
        if token is None:
            return None  # Flask reads the token again
        asked = Request(environ)
        if len(asked.path) + len(asked.query_string) > MAX_URL_LENGTH:
            return None
        locale = visitor_locale(asked.accept_languages, self.languages, self.default_locale)
        page_key = self.cache.key_for(asked, locale, self.zone, token)
        return self.cache.store.get(_answer_key(page_key, environ.get("HTTP_ACCEPT_ENCODING", "")))

    def _answer(self, environ, start_response, answer):
        timer = RequestTimer()
        head, _, body = answer.partition(b"\n")
        head = json.loads(head)
        headers, endpoint = [tuple(pair) for pair in head["headers"]], head["endpoint"]
        request_id = new_request_id(environ.get("HTTP_X_REQUEST_ID"))
        status = "200 OK"
        etag = next((value for name, value in headers if name == "ETag"), None)
        if etag and parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(unquote_etag(etag)[0]):
            status, body = "304 Not Modified", b""
            remove_entity_headers(headers)
        headers += [("Date", http_date()), ("X-Page-Cache", "hit"), ("X-Request-ID", request_id)]
        token = request_id_var.set(request_id)
        try:
            record_answer("GET", endpoint, environ.get("PATH_INFO", ""), int(status[:3]), timer.elapsed())
        finally:
            request_id_var.reset(token)
        start_response(status, headers)
        return [body]


def init_app(app):
    if app.config["PAGE_CACHE_SECONDS"] <= 0:
        return
    url = app.config["PAGE_CACHE_REDIS_URL"]
    app.extensions["page_cache"] = PageCache(RedisStore(url) if url else MemoryStore(),
                                             prefix=app.config["PAGE_CACHE_KEY_PREFIX"],
                                             token_seconds=app.config["PAGE_CACHE_TOKEN_SECONDS"])
    app.before_request(serve_from_cache)
    app.after_request(keep_the_answer)  # registered before the validators', compression's and security's: runs after
    app.wsgi_app = VisitorFront(app.wsgi_app, app)  # inside ProxyFix, which wraps it later
