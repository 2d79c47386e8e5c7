"""The migrations build exactly the schema the models declare, on this test run's database kind."""
import importlib.util
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.extensions import db
from marketplace.models import UnsavedPitchStep
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


def _migration(name):
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "migrations/versions"
                                                  / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_0041_clears_the_pilot_duration_consultations_kept_and_moves_their_kept_third_step(f):
    """Consultations saved before their pilot duration was dropped still held one, shown nowhere: cleared, and a
    never-submitted answer's too; a submitted one keeps it (its receipt's digest covers it), and a call for
    solutions keeps its own. Text kept for a consultation's step `pilot` moves to `cost`, its new name."""
    consultation = f.Challenge(kind="market_consultation", with_criteria=False)
    call = f.Challenge()
    company, other = f.Company(), f.Company()
    draft = f.Pitch(challenge=consultation, company=company)
    sealed = f.Pitch(challenge=consultation, company=other, status="submitted", receipt_digest="ab" * 32)
    pitched = f.Pitch(challenge=call, company=company)
    writer = f.member(company, "member")
    db.session.add_all([UnsavedPitchStep(user_id=writer.id, challenge_id=consultation.id, step="pilot", typed={}),
                        UnsavedPitchStep(user_id=writer.id, challenge_id=call.id, step="pilot", typed={})])
    db.session.commit()
    assert consultation.pilot_duration_weeks == 12  # as the factory saves it, like a consultation from before
    with Operations.context(MigrationContext.configure(db.session.connection())):
        _migration("0041_consultations_keep_no_pilot_duration").upgrade()
    db.session.commit()
    db.session.expire_all()
    assert (consultation.pilot_duration_weeks, call.pilot_duration_weeks) == (None, 12)
    assert (draft.pilot_duration_weeks, sealed.pilot_duration_weeks, pitched.pilot_duration_weeks) == (None, 10, 10)
    steps = dict(db.session.execute(select(UnsavedPitchStep.challenge_id, UnsavedPitchStep.step)).all())
    assert steps == {consultation.id: "cost", call.id: "pilot"}
