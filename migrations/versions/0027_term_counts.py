"""How many companies use each profile term, kept by triggers on organisation_terms, counted once from the index.

Matching weighs a challenge's words by how many companies use them; counting the index entries read a million of
them for one challenge at 200,000 companies. The counts table holds rows (term, change); the triggers add them for
every statement that inserts or deletes index entries, whatever wrote it (see models/match.py).

Revision ID: 0027_term_counts
Revises: 0026_refused_pitch_steps
"""
import sqlalchemy as sa
from alembic import op

from marketplace.models.match import TERM_COUNT_TRIGGERS_POSTGRESQL, TERM_COUNT_TRIGGERS_SQLITE

revision = "0027_term_counts"
down_revision = "0026_refused_pitch_steps"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organisation_term_counts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("term", sa.String(length=40), nullable=False),
        sa.Column("companies", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_term_counts")),
    )
    op.create_index("ix_organisation_term_counts_term_companies", "organisation_term_counts", ["term", "companies"])
    # The triggers first: on PostgreSQL creating them locks out writers of the index until this commits, so
    # the count below is of the index as it is from then on.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TERM_COUNT_TRIGGERS_POSTGRESQL)
    else:
        for trigger in TERM_COUNT_TRIGGERS_SQLITE:
            op.execute(trigger)
    op.execute("INSERT INTO organisation_term_counts (term, companies)"
               " SELECT term, count(*) FROM organisation_terms GROUP BY term")


def downgrade():
    for event in ("insert", "delete", "update", "truncate"):
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS organisation_terms_counted_{event} ON organisation_terms")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS organisation_terms_counted_{event}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS organisation_terms_counted()")
    op.drop_index("ix_organisation_term_counts_term_companies", table_name="organisation_term_counts")
    op.drop_table("organisation_term_counts")
