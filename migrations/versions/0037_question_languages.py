"""A question and its answer record the language each was written in, so a page in another language marks them
(lang) and a screen reader reads them with the right voice. Nullable: the questions already there keep no language
and are read in the page's, as before.

Revision ID: 0037_question_languages
Revises: 0036_audit_action_families
"""
import sqlalchemy as sa
from alembic import op

revision = "0037_question_languages"
down_revision = "0036_audit_action_families"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("language", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("answer_language", sa.String(length=2), nullable=True))


def downgrade():
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("answer_language")
        batch.drop_column("language")
