"""Configuration classes, read from the environment with safe defaults.

`AGORA_ENV` picks the class: development, testing or production (the default,
so that a forgotten setting fails closed rather than open).
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("AGORA_INSTANCE_DIR", BASE_DIR / "instance"))

# The placeholder a developer gets; production refuses to start with it.
DEFAULT_SECRET_KEY = "dev-only-not-secret"
# The audit trail's MAC key: kept outside the database, so whoever can write the database cannot recompute
# the chain. Production refuses to start with this placeholder.
DEFAULT_AUDIT_KEY = "dev-only-audit-key"
# OCDS identifies each challenge as `<prefix>-<id>`; a prefix is registered with the OCDS Data Support team. This
# placeholder keeps development and tests working; production refuses to publish with it.
PLACEHOLDER_OCID_PREFIX = "ocds-xxxxxx-agora"


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _database_url():
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'agora.sqlite'}"
    # Heroku-style URLs name the old driver; psycopg 3 is the one we ship.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _broker_url():
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return redis_url
    # Embedded default: kombu's SQLAlchemy transport over a SQLite file, no server.
    return f"sqla+sqlite:///{INSTANCE_DIR / 'broker.sqlite'}"


class Config:
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    # Each audit row's digest is an HMAC-SHA256 under AUDIT_KEY. After a rotation, the keys the older rows were
    # made with stay readable for `flask verify-audit`: AUDIT_RETIRED_KEYS, separated by commas.
    AUDIT_KEY = os.environ.get("AUDIT_KEY", DEFAULT_AUDIT_KEY)
    AUDIT_RETIRED_KEYS = [k.strip() for k in os.environ.get("AUDIT_RETIRED_KEYS", "").split(",") if k.strip()]
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL")
    # Where emailed links and exports point: the web process's own port unless a public address is set.
    BASE_URL = os.environ.get("BASE_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or 5000}"
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 12 * 1024 * 1024)
    MAX_ATTACHMENT_BYTES = _int("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)

    # Mail (SMTP). The worker delivers; the web only queues.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")  # STARTTLS
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Agora <no-reply@agora.example>")
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 30)
    # An email that could not be sent is tried again after a pause that about doubles, from
    # MAIL_RETRY_MIN_SECONDS up to MAIL_RETRY_MAX_SECONDS, until MAIL_GIVE_UP_AFTER seconds have passed since
    # its first failure; then it is failed (re-queue it from /admin/emails or with `flask mail requeue`).
    MAIL_RETRY_MIN_SECONDS = _int("MAIL_RETRY_MIN_SECONDS", 60)
    MAIL_RETRY_MAX_SECONDS = _int("MAIL_RETRY_MAX_SECONDS", 3600)
    MAIL_GIVE_UP_AFTER = _int("MAIL_GIVE_UP_AFTER", 3 * 24 * 3600)

    # People and places.
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ["en", "fr", "nl", "de"]
    DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "Europe/Brussels")
    # The country (ISO 3166-1 alpha-2) of an organisation's postal address when it gives none and its registration
    # number does not say (services/organisations/addresses.py).
    DEFAULT_COUNTRY = os.environ.get("DEFAULT_COUNTRY", "BE").strip().upper()
    PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 3600)
    INVITATION_MAX_AGE = _int("INVITATION_MAX_AGE", 14 * 24 * 3600)
    # The link that confirms a new account's email address works this long (seconds), and can be sent again
    # this often.
    EMAIL_CONFIRMATION_MAX_AGE = _int("EMAIL_CONFIRMATION_MAX_AGE", 3 * 24 * 3600)
    CONFIRMATION_RESEND_LIMIT = os.environ.get("CONFIRMATION_RESEND_LIMIT", "3 per hour")
    # How long the Agora team usually takes to verify a new organisation, in working days (said where people wait).
    VERIFICATION_DAYS = _int("VERIFICATION_DAYS", 2)
    CHALLENGES_PER_PAGE = 20
    # The agency's own challenges on its members' dashboard, a page at a time (the work list is never paged).
    DASHBOARD_CHALLENGES_PER_PAGE = 20
    # The pilots on an agency's or a company's dashboard, a page at a time (`?pilots_page=`).
    DASHBOARD_PILOTS_PER_PAGE = 20

    # Pilots: above this budget a pilot needs a written justification and a second
    # approver (the cap Gov Buys Innovation uses for a test phase, in the challenge's currency).
    PILOT_LOW_VALUE_THRESHOLD = _int("PILOT_LOW_VALUE_THRESHOLD", 30000)
    # An overdue pilot stage reminds its owner, then escalates after this many days.
    PILOT_ESCALATION_DAYS = _int("PILOT_ESCALATION_DAYS", 5)

    # Matching: a company scoring at least this (0-100) is told about a new challenge.
    MATCH_THRESHOLD = _int("MATCH_THRESHOLD", 35)

    # Open data: OCDS identifies each challenge as `<OCDS_OCID_PREFIX>-<challenge id>`. Register a prefix with
    # the Open Contracting Partnership before publishing for real; the default only shows the shape.
    OCDS_OCID_PREFIX = os.environ.get("OCDS_OCID_PREFIX", PLACEHOLDER_OCID_PREFIX)
    OCDS_PUBLISHER_NAME = os.environ.get("OCDS_PUBLISHER_NAME", "Agora")
    # The org-id.guide scheme (https://org-id.guide) of registration numbers that are not Belgian enterprise
    # numbers (those are always BE-BCE_KBO), e.g. "NL-KVK" if all other organisations are Dutch. Unset: such
    # organisations are published without an identifier rather than under a guessed register.
    OCDS_DEFAULT_ORG_SCHEME = os.environ.get("OCDS_DEFAULT_ORG_SCHEME") or None
    # The licence of all open data (OCDS, the CSV, the feed, the API): a URL, and its short name when the URL is
    # not one of the Creative Commons licences `services/open_data/licence.py` knows.
    OPEN_DATA_LICENSE = os.environ.get("OPEN_DATA_LICENSE", "https://creativecommons.org/publicdomain/zero/1.0/")
    OPEN_DATA_LICENSE_NAME = os.environ.get("OPEN_DATA_LICENSE_NAME")
    OCDS_PUBLICATION_POLICY_URL = os.environ.get("OCDS_PUBLICATION_POLICY_URL")  # default: BASE_URL/open-data
    # Where beat writes the daily bulk files of OCDS releases and records (services/open_data/bulk_files.py) and
    # their manifest. Every web process serves them from here: a shared volume when the worker runs elsewhere.
    OPEN_DATA_BULK_DIR = os.environ.get("OPEN_DATA_BULK_DIR", str(INSTANCE_DIR / "open-data"))
    # The Atom feed's permanent ids are tag URIs (RFC 4151) `tag:<authority>,2026:…`: a domain the publisher owned
    # on that date. Default: BASE_URL's host. Keep it when the site moves, so readers do not see every entry anew.
    FEED_TAG_AUTHORITY = os.environ.get("FEED_TAG_AUTHORITY")

    # Who runs the service, as the contact, accessibility and privacy pages name them. Production has no default
    # for the name and contact address (the app warns at start without them); development and tests use a demo.
    OPERATOR_NAME = os.environ.get("OPERATOR_NAME")
    OPERATOR_ADDRESS = os.environ.get("OPERATOR_ADDRESS")  # the postal address, one line or several
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL")
    DPO_EMAIL = os.environ.get("DPO_EMAIL")  # the data protection officer; default: CONTACT_EMAIL
    # An optional banner under the header on every page: `alpha` or `beta`, with a link to give feedback
    # (default: the contact page).
    PHASE_BANNER = os.environ.get("PHASE_BANNER") or None
    PHASE_FEEDBACK_URL = os.environ.get("PHASE_FEEDBACK_URL") or None

    # An outbox event still unprocessed after this long is re-dispatched by beat.
    OUTBOX_STUCK_AFTER_SECONDS = _int("OUTBOX_STUCK_AFTER_SECONDS", 120)

    # One JSON object per log line (request id included); /metrics needs this token unless scraped locally.
    JSON_LOGS = _bool("JSON_LOGS", True)
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN")

    # Rate limits of sign-in and password reset, shared by every web process through Redis. While Redis cannot be
    # reached each process counts alone, in memory, under the same limits (logged once, "fallback" in /healthz).
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True  # a storage error mid-request is logged, never a 500
    # A Redis that does not answer (rather than refuses) must not hold a sign-in for long.
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    # Wrong passwords slow down whoever makes them: per client address, and per account typed from that address.
    # Never per account alone, which would let anyone lock the owner out. Only failed attempts count.
    LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS",
                                                         "5 per minute; 20 per hour")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per minute; 200 per hour")
    RESET_LIMIT_PER_ACCOUNT = os.environ.get("RESET_LIMIT_PER_ACCOUNT", "3 per hour")
    RESET_LIMIT_PER_ADDRESS = os.environ.get("RESET_LIMIT_PER_ADDRESS", "20 per hour")
    # This many wrong passwords for one account within the window email its owner (once per window).
    SIGN_IN_ALERT_FAILURES = _int("SIGN_IN_ALERT_FAILURES", 5)
    SIGN_IN_ALERT_WINDOW_MINUTES = _int("SIGN_IN_ALERT_WINDOW_MINUTES", 15)
    # Personal API tokens stop working this many days after they are made.
    API_TOKEN_LIFETIME_DAYS = _int("API_TOKEN_LIFETIME_DAYS", 90)
    # The JSON API: one limit for all its routes, counted per client address without a token and per token with
    # one (a harvester behind a shared address is not throttled by its neighbours), and a body limit far below
    # uploads'. A token that does not authenticate counts against its address (docs/api.md, "Limits").
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "1200 per minute")
    API_TOKEN_RATE_LIMIT = os.environ.get("API_TOKEN_RATE_LIMIT", "3000 per minute")
    API_MAX_BODY_BYTES = _int("API_MAX_BODY_BYTES", 1024 * 1024)

    # Pages anonymous visitors see (challenge list, search, home, challenge page) are kept this long at most,
    # and dropped at once when what they show changes (web/page_cache.py); 0 turns the cache off.
    PAGE_CACHE_SECONDS = _int("PAGE_CACHE_SECONDS", 60)
    # Matching weighs words by how many companies there are; counted at most this often per process.
    MATCHING_COMPANY_COUNT_SECONDS = _int("MATCHING_COMPANY_COUNT_SECONDS", 600)
    PAGE_CACHE_REDIS_URL = os.environ.get("REDIS_URL")
    PAGE_CACHE_KEY_PREFIX = os.environ.get("PAGE_CACHE_KEY_PREFIX", "agora:page:")  # one per site sharing a Redis
    # Each web process reads the public data token at most this often: another process's change shows within it.
    PAGE_CACHE_TOKEN_SECONDS = float(os.environ.get("PAGE_CACHE_TOKEN_SECONDS", "1"))

    # Compression (Flask-Compress, called by web/http_cache.py): text types from this many bytes, in the best
    # coding the client accepts. Streamed answers (files) are left as they are.
    COMPRESS_MIN_SIZE = _int("COMPRESS_MIN_SIZE", 500)
    COMPRESS_ALGORITHM = ["zstd", "br", "gzip"]
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/plain", "text/csv", "text/xml", "text/javascript",
                          "application/javascript", "application/json", "application/problem+json",
                          "application/atom+xml", "application/xml", "application/ld+json", "image/svg+xml"]
    COMPRESS_STREAMS = False
    COMPRESS_REGISTER = False  # web/http_cache.py calls it after the validators

    # Behind a reverse proxy: how many proxies in front of gunicorn set each X-Forwarded-* header (0: trust none).
    # Without it, every visitor would look like the proxy's address to the rate limits, and HSTS would never be sent.
    PROXY_FIX_X_FOR = _int("PROXY_FIX_X_FOR", 0)
    PROXY_FIX_X_PROTO = _int("PROXY_FIX_X_PROTO", 0)
    PROXY_FIX_X_HOST = _int("PROXY_FIX_X_HOST", 0)
    PROXY_FIX_X_PORT = _int("PROXY_FIX_X_PORT", 0)
    PROXY_FIX_X_PREFIX = _int("PROXY_FIX_X_PREFIX", 0)

    # Session cookies.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    WTF_CSRF_TIME_LIMIT = None  # a long pitch must not die of an expired token

    # Celery: one key, read by worker.celery_init_app (never the whole config).
    CELERY = {
        "broker_url": _broker_url(),
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": 300,
        "task_soft_time_limit": 240,
        # A worker or beat that loses the broker (or starts before it) reconnects, for as long as it takes:
        # celery's default gives up after 100 attempts (about 50 minutes) and the process exits.
        "broker_connection_retry_on_startup": True,
        "broker_connection_retry": True,
        "broker_connection_max_retries": None,
        # Publishing must not hang a web request when the broker is down: the
        # outbox keeps the event and beat re-dispatches it.
        "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                                      "interval_max": 0.2},
        "broker_connection_timeout": 2,
        "timezone": "UTC",
        "beat_schedule_filename": str(INSTANCE_DIR / "celerybeat-schedule"),
    }


def _redis_broker_settings(url):
    """Redis only: the transport that survives Redis restarts, quick connects, checked idle connections."""
    if not url.startswith(("redis://", "rediss://")):
        return {}
    return {
        # Kombu's Redis transport with the fix for the crash after a Redis restart (worker/redis_transport.py).
        "broker_transport": "worker.redis_transport:Transport",
        # Give up a connect quickly (publishing from a web request must not hang); a read that gets no answer
        # for 10 s is a lost connection; an idle connection is pinged before use; redeliver a task a dead
        # worker held after an hour.
        "broker_transport_options": {"socket_connect_timeout": 2, "socket_timeout": 10, "socket_keepalive": True,
                                     "retry_on_timeout": True, "health_check_interval": 25,
                                     "visibility_timeout": 3600},
    }


Config.CELERY.update(_redis_broker_settings(Config.CELERY["broker_url"]))


# What development and the tests show for the operator when the environment names none.
DEMO_OPERATOR = {
    "OPERATOR_NAME": "Agora demonstration operator",
    "OPERATOR_ADDRESS": "Example Street 1, 1000 Brussels, Belgium",
    "CONTACT_EMAIL": "contact@agora.example",
    "DPO_EMAIL": "dpo@agora.example",
}


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    JSON_LOGS = _bool("JSON_LOGS", False)  # readable lines in `make run`
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    OPERATOR_NAME = Config.OPERATOR_NAME or DEMO_OPERATOR["OPERATOR_NAME"]
    OPERATOR_ADDRESS = Config.OPERATOR_ADDRESS or DEMO_OPERATOR["OPERATOR_ADDRESS"]
    CONTACT_EMAIL = Config.CONTACT_EMAIL or DEMO_OPERATOR["CONTACT_EMAIL"]
    DPO_EMAIL = Config.DPO_EMAIL or DEMO_OPERATOR["DPO_EMAIL"]


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    JSON_LOGS = False  # pytest captures logs itself
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    BASE_URL = "http://localhost"
    OPERATOR_NAME, OPERATOR_ADDRESS = DEMO_OPERATOR["OPERATOR_NAME"], DEMO_OPERATOR["OPERATOR_ADDRESS"]
    CONTACT_EMAIL, DPO_EMAIL = DEMO_OPERATOR["CONTACT_EMAIL"], DEMO_OPERATOR["DPO_EMAIL"]
    PHASE_BANNER = PHASE_FEEDBACK_URL = None
    PAGE_CACHE_REDIS_URL = None  # in the process; tests/web/test_page_cache.py names its own Redis
    MATCHING_COMPANY_COUNT_SECONDS = 0  # tests add companies between scorings; one test checks the keeping
    # Cheap hashing keeps the suite fast; production keeps Argon2id's defaults.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    # The worker tests start a real worker and name its broker; everything else never publishes.
    CELERY = dict({k: v for k, v in Config.CELERY.items() if k not in ("broker_transport", "broker_transport_options")},
                  broker_url=os.environ.get("CELERY_BROKER_URL", "memory://"), task_always_eager=False,
                  **_redis_broker_settings(os.environ.get("CELERY_BROKER_URL", "memory://")))


class ProductionConfig(Config):
    ENV_NAME = "production"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name=None):
    return CONFIGS[name or os.environ.get("AGORA_ENV", "production")]
