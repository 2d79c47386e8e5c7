"""Signed-in pages as lean as anonymous ones: Markdown rendered when saved; a challenge's matching weights kept.

Each Markdown text a page shows has its sanitised HTML stored next to it, rendered when the text is saved.

Challenges (problem, context, who is affected, desired outcomes, constraints, consultation summary), pitches
(approach, evidence) and pilots (outcome summary, lessons learned) get a `<field>_html` column, filled here for
existing rows by the application's own renderer (services/challenges/markdown.py: one definition of what is
allowed), in batches of 500 rows.

`challenge_match_weights` keeps the word weights a challenge's companies were matched by (written when they are
matched); a challenge without a row is scored as before (services/matching/matching.py viewer_profile).

Revision ID: 0022_lean_signed_in_pages
Revises: 0021_ocds_releases
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_lean_signed_in_pages"
down_revision = "0021_ocds_releases"
branch_labels = None
depends_on = None

# Kept here as written today: a later change to the application's list must not change this migration.
FIELDS = {
    "challenges": {"problem_statement": False, "context": False, "affected": False, "desired_outcomes": False,
                   "constraints": False, "consultation_summary": True},
    "pitches": {"approach": False, "evidence": False},
    "pilots": {"outcome_summary": True, "lessons_learned": True},
}
BATCH = 500


def upgrade():
    from marketplace.services.challenges.markdown import stored_html

    op.create_table(
        "challenge_match_weights",
        sa.Column("challenge_id", sa.Integer(), sa.ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("challenge_version", sa.Integer(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    )

    for table, fields in FIELDS.items():
        with op.batch_alter_table(table) as batch:
            for name, nullable in fields.items():
                batch.add_column(sa.Column(f"{name}_html", sa.Text(), nullable=nullable,
                                           server_default=None if nullable else ""))
    connection = op.get_bind()
    for table, fields in FIELDS.items():
        columns = [sa.column("id", sa.Integer())] + [sa.column(name, sa.Text()) for name in fields] + \
                  [sa.column(f"{name}_html", sa.Text()) for name in fields]
        rows_table = sa.table(table, *columns)
        update = rows_table.update().where(rows_table.c.id == sa.bindparam("row_id")).values(
            {f"{name}_html": sa.bindparam(f"new_{name}") for name in fields})
        last = 0
        while True:
            rows = connection.execute(
                sa.select(rows_table.c.id, *[rows_table.c[name] for name in fields])
                .where(rows_table.c.id > last).order_by(rows_table.c.id).limit(BATCH)
            ).all()
            if not rows:
                break
            connection.execute(update, [
                {"row_id": row.id, **{f"new_{name}": stored_html(getattr(row, name)) for name in fields}}
                for row in rows])
            last = rows[-1].id


def downgrade():
    op.drop_table("challenge_match_weights")
    for table, fields in FIELDS.items():
        with op.batch_alter_table(table) as batch:
            for name in fields:
                batch.drop_column(f"{name}_html")
