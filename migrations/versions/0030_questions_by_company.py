"""An index for a company's own questions, newest first (its dashboard).

At 50,000 challenges the dashboard of a company read all 69,000 questions to find its own (9 ms, growing with
every question asked anywhere); with this it reads its own from the index.

Revision ID: 0030_questions_by_company
Revises: 0029_budget_sort_indexes
"""
from alembic import op

revision = "0030_questions_by_company"
down_revision = "0029_budget_sort_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_questions_organisation_id_asked_at", "questions", ["organisation_id", "asked_at"])


def downgrade():
    op.drop_index("ix_questions_organisation_id_asked_at", table_name="questions")
