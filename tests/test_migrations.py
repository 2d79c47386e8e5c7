"""The migrations build exactly the schema the models declare, on this test run's database kind."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.extensions import db
from marketplace.models.challenge import BUDGET_STATISTICS


def _fresh_database_url(database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    url = make_url(database_url)
    name = f"{url.database}_migrations"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def test_migrations_match_the_models_and_downgrade_cleanly(database_url, tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=_fresh_database_url(database_url, tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        # Alembic cannot compare indexes on expressions (the budget sorts'): their names, from the catalogue.
        catalogue = {"postgresql": "SELECT indexname FROM pg_indexes",
                     "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index'"}[db.engine.dialect.name]
        with db.engine.connect() as conn:
            built = set(conn.scalars(text(catalogue)))
        declared = {index.name for table in db.metadata.tables.values() for index in table.indexes}
        assert declared - built == set()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                statistics = set(conn.scalars(text("SELECT stxname FROM pg_statistic_ext")))
            assert {name for name, _ in BUDGET_STATISTICS} <= statistics
            with db.engine.connect() as conn:
                triggers = conn.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).all()
            assert sorted(triggers) == ["audit_anchors_append_only", "audit_events_append_only",
                                        "organisation_terms_counted_delete", "organisation_terms_counted_insert",
                                        "organisation_terms_counted_truncate", "organisation_terms_counted_update"]
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()
