"""The app factory, configuration and health check."""
import pytest

from marketplace import InsecureConfiguration, create_app

PREFIX = "ocds-7ax2k9-agora"  # a registered prefix's shape


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "broker": "ok", "rate_limits": "memory"}


def test_healthz_is_503_when_the_broker_is_unreachable(app):
    from config import TestingConfig

    broken = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                        CELERY=dict(TestingConfig.CELERY, broker_url="redis://127.0.0.1:1/0"))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "ok" and response.json["broker"].startswith("error")


def test_healthz_is_503_when_the_database_is_unreachable():
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["database"].startswith("error")


def test_healthz_is_503_naming_both_when_the_database_and_the_broker_are_down():
    from config import TestingConfig

    app = create_app("testing", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
                     CELERY=dict(TestingConfig.CELERY, broker_url="redis://127.0.0.1:1/0"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "unavailable"
    assert response.json["database"].startswith("error") and response.json["broker"].startswith("error")


@pytest.mark.parametrize("key", [None, "", "dev-only-not-secret", "short"])
def test_production_refuses_a_missing_or_default_secret_key(key):
    with pytest.raises(InsecureConfiguration):
        create_app("production", SECRET_KEY=key, AUDIT_KEY="a" * 48, OCDS_OCID_PREFIX=PREFIX)


@pytest.mark.parametrize("key", [None, "", "dev-only-audit-key", "short", "x" * 48])
def test_production_refuses_a_missing_default_or_reused_audit_key(key):
    with pytest.raises(InsecureConfiguration, match="AUDIT_KEY"):
        create_app("production", SECRET_KEY="x" * 48, AUDIT_KEY=key, OCDS_OCID_PREFIX=PREFIX)


@pytest.mark.parametrize("prefix", [None, "", "ocds-xxxxxx-agora", "agora", "ocds-AB"])
def test_production_refuses_the_placeholder_ocid_prefix(prefix):
    with pytest.raises(InsecureConfiguration, match="OCDS_OCID_PREFIX"):
        create_app("production", SECRET_KEY="x" * 48, AUDIT_KEY="a" * 48, OCDS_OCID_PREFIX=prefix)


def test_production_starts_with_a_real_secret_key():
    app = create_app("production", SECRET_KEY="x" * 48, AUDIT_KEY="a" * 48, OCDS_OCID_PREFIX=PREFIX)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_starts_with_the_default_key():
    assert create_app("development").config["ENV_NAME"] == "development"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
