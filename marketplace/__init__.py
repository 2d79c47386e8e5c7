"""Agora: a public-private challenge marketplace. `create_app()` wires it together."""
import gc
import os
import re

from flask import Flask
from flask_babel import gettext

from config import DEFAULT_AUDIT_KEY, DEFAULT_SECRET_KEY, PLACEHOLDER_OCID_PREFIX, config_for


class InsecureConfiguration(RuntimeError):
    pass


def create_app(config=None, **overrides):
    """Build the app. `config` is a config class or an AGORA_ENV name; overrides win."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=False)
    app.config.from_object(config if isinstance(config, type) else config_for(config))
    app.config.update(overrides)
    check_secret_key(app)
    check_audit_key(app)
    check_ocid_prefix(app)

    register_request_hooks(app)
    register_extensions(app)
    register_listeners(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_worker(app)
    warn_of_missing_operator(app)
    return app


def settle_for_serving():
    """Once a serving process has built its app (wsgi.py, bench/wsgi_bench.py): the garbage collector tuned for
    requests. The app's own objects (some 200,000: routes, SQLAlchemy's mappers, Babel's data) are frozen out of
    the collector's passes, and the youngest generation is collected every 10,000 new objects instead of 700.
    Measured at 50,000 challenges: the collector took 0.6-0.7 ms of each request on the challenge list (a full
    pass over every object, ~150 ms, every few hundred requests, and a young pass at almost every request) and
    0.37 ms over a mix of public pages; after, 0.03 and 0.13 ms, with the process's memory as flat as before
    over 2,000 requests (request objects form few cycles: reference counting frees nearly all of them)."""
    gc.freeze()
    gc.set_threshold(10_000, 20, 100)


def check_audit_key(app):
    """The audit trail's key, like the secret key: a real one outside development and tests."""
    if app.config["ENV_NAME"] == "development" or app.config.get("TESTING"):
        return
    key = app.config.get("AUDIT_KEY")
    if not key or key == DEFAULT_AUDIT_KEY or len(key) < 32 or key == app.config.get("SECRET_KEY"):
        raise InsecureConfiguration(
            "AUDIT_KEY is missing, the development default, shorter than 32 characters or the same as SECRET_KEY. "
            "Set AUDIT_KEY in the environment (keep a copy outside the database's backups), for example: "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )


# A registered prefix: "ocds-" and six lowercase letters or digits, then optionally "-" and more of the same.
OCID_PREFIX = re.compile(r"ocds-[a-z0-9]{6}(-[A-Za-z0-9.-]+)?")


def check_ocid_prefix(app):
    """Open data published under the placeholder prefix would collide with every other copy of Agora: a
    production site needs its own registered prefix, as it needs its own secret key."""
    if app.config["ENV_NAME"] == "development" or app.config.get("TESTING"):
        return
    prefix = app.config.get("OCDS_OCID_PREFIX") or ""
    if prefix == PLACEHOLDER_OCID_PREFIX or not OCID_PREFIX.fullmatch(prefix):
        raise InsecureConfiguration(
            f"OCDS_OCID_PREFIX is {prefix!r}: the placeholder or not a registered prefix (ocds-<6 characters>). "
            "Register one with the OCDS Data Support team (https://standard.open-contracting.org/latest/en/"
            "guidance/map/ocid/) and set OCDS_OCID_PREFIX in the environment."
        )


def check_secret_key(app):
    if app.config["ENV_NAME"] == "development" or app.config.get("TESTING"):
        return
    key = app.config.get("SECRET_KEY")
    if not key or key == DEFAULT_SECRET_KEY or len(key) < 32:
        raise InsecureConfiguration(
            "SECRET_KEY is missing, the development default, or shorter than 32 characters. "
            "Set SECRET_KEY in the environment, for example: "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )


def warn_of_missing_operator(app):
    """The accessibility statement, privacy notice and contact page name who runs the service: a public site must
    say it. Production starts without it (nothing is unsafe), but says so at every start."""
    if app.config["ENV_NAME"] != "production" or app.config.get("TESTING"):
        return
    missing = [name for name in ("OPERATOR_NAME", "CONTACT_EMAIL") if not app.config.get(name)]
    if missing:
        app.logger.warning("%s not set: the contact, privacy and accessibility pages cannot say who runs Agora "
                           "or how to reach them", " and ".join(missing))


def register_request_hooks(app):
    """First of all hooks: the request id and timer, then pages kept for anonymous visitors (answered before the
    rate limiter, CSRF and two-factor hooks, none of which applies to an anonymous GET)."""
    from .web import observability, page_cache

    observability.register(app)
    page_cache.init_app(app)


def register_extensions(app):
    from . import models  # noqa: F401  (registers the tables with the metadata)
    from .extensions import babel, csrf, db, limiter, login_manager, migrate
    from .web.i18n import install_translations, select_locale, select_timezone
    from .web.session import SessionInterface

    app.session_interface = SessionInterface()
    db.init_app(app)
    migrations = os.path.join(os.path.dirname(app.root_path), "migrations")
    migrate.init_app(app, db, directory=migrations, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_translations(app, babel)
    login_manager.init_app(app)
    limiter.init_app(app)
    def N_(message):  # marks a message for extraction (Babel's default keyword); translated later
        return message

    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    # Flask-Login's own message is English: ours is extracted (N_ marks it) and translated when it is flashed.
    login_manager.login_message = N_("Sign in to see this page.")
    login_manager.localize_callback = gettext


def register_listeners(app):
    """Every event listener of the services, installed here and nowhere else (not by importing a module).
    Each install is idempotent: an app built twice in one process listens once."""
    from .extensions import db
    from .services.challenges import markdown
    from .services.matching import matching
    from .services.messaging import handlers
    from .services.open_data import ocds_store, public_data

    with app.app_context():
        public_data.watch(db.engine)  # the public data token, renewed with each change anonymous visitors see
    matching.install()  # a company's profile terms follow its profile, in the same transaction
    handlers.install()  # the outbox handlers (@handles), in every process
    markdown.install()  # each Markdown text's sanitised HTML is stored with it, rendered when the text is set
    ocds_store.install()  # each change of a published challenge stores its OCDS release, in its transaction


def register_blueprints(app):
    from . import api
    from .web import BLUEPRINTS, observability

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(observability.bp)  # /metrics
    api.register(app)


def register_errorhandlers(app):
    from .web import http_cache, security
    from .web.errors import register

    register(app)
    security.register(app)
    http_cache.register(app)  # runs before the security headers: validators, Vary, CORS, compression
    if app.config.get("JSON_LOGS"):
        from .observability import configure_logging

        configure_logging(app.config.get("LOG_LEVEL", "INFO"))


def register_template_helpers(app):
    from .web.template_helpers import register

    register(app)


def register_commands(app):
    from .cli import register

    register(app)


def register_worker(app):
    from worker.celery_app import celery_init_app

    celery_init_app(app)  # with the after-commit dispatch of outbox events and emails (worker/outbox_dispatch.py)
