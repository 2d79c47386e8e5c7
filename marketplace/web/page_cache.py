"""Whole pages for anonymous visitors, kept until what they show changes or PAGE_CACHE_SECONDS pass.

A page is served from the cache, or stored in it, only for a GET from someone
not signed in (no session user, no remember-me cookie, no Authorization header)
with no message waiting to be flashed. A page whose rendering changed the session
or made a CSRF token is never stored, so nothing of one visitor reaches another.
The key is the whole URL, the language, the time zone and the public data token
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
import threading
import time
from collections import OrderedDict
from functools import wraps

from flask import Response, current_app, g, request, session
from flask_login import current_user

from ..services.open_data import public_data
from .i18n import select_locale, select_timezone

MAX_URL_LENGTH = 1000  # longer query strings are rendered, never stored
MEMORY_ENTRIES = 512  # pages one process keeps (the most recently used)
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
            current_app.extensions["page_cache"].store.set(key, response.get_data(),
                                                           current_app.config["PAGE_CACHE_SECONDS"])
            response.headers["X-Page-Cache"] = "miss"
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
    body = cache.store.get(key)
    if body is None:
        g.page_cache_key = key
        return None
    response = Response(body, mimetype="text/html")
    response.headers["X-Page-Cache"] = "hit"
    response.vary.add("Accept-Language")
    return response


def _anonymous_get():
    return (request.method == "GET" and len(request.path) + len(request.query_string) <= MAX_URL_LENGTH
            and "_user_id" not in session and "_flashes" not in session
            and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies
            and "Authorization" not in request.headers and not current_user.is_authenticated)


def _storable(response):
    field_name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return (response.status_code == 200 and response.mimetype == "text/html" and not response.is_streamed
            and "Set-Cookie" not in response.headers and not session.modified and field_name not in g
            and not current_user.is_authenticated)


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
        parts = (request.host, request.script_root, request.path, request.query_string.decode("latin-1"),
                 str(select_locale()), str(select_timezone()), self.public_token())
        return self.prefix + hashlib.blake2b("\n".join(parts).encode(), digest_size=20).hexdigest()

    def public_token(self):
        token, read_at, renewals = self._token
        now, renewed_here = time.monotonic(), public_data.renewals_in_this_process()
        if now - read_at >= self.token_seconds or renewals != renewed_here:
            token = public_data.token_in_this_transaction() or ""
            self._token = (token, now, renewed_here)
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
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

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
        body = self._here.get(key)
        if body is not None or time.monotonic() < self._paused_until:
            return body
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                body, milliseconds_left = pipe.get(key).pttl(key).execute()
        except self._error:
            self._pause()
            return None
        if body is not None and milliseconds_left > 0:
            self._here.set(key, body, milliseconds_left / 1000)
        return body

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


def init_app(app):
    if app.config["PAGE_CACHE_SECONDS"] <= 0:
        return
    url = app.config["PAGE_CACHE_REDIS_URL"]
    app.extensions["page_cache"] = PageCache(RedisStore(url) if url else MemoryStore(),
                                             prefix=app.config["PAGE_CACHE_KEY_PREFIX"],
                                             token_seconds=app.config["PAGE_CACHE_TOKEN_SECONDS"])
    app.before_request(serve_from_cache)
