"""Challenges record their language; a stored, indexed full-text search document in that language.

On PostgreSQL: the unaccent extension, one text-search configuration per language (accents removed before
stemming), a tsvector column filled here for existing challenges and kept up to date on every save by
services/challenges/search.py, and a GIN index on it. On SQLite the column holds the folded words and stems.

Revision ID: 0013_challenge_search
Revises: 0012_email_confirmation
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013_challenge_search"
down_revision = "0012_email_confirmation"
branch_labels = None
depends_on = None

TEXT_SEARCH_SETUP = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$
DECLARE
  lang text;
BEGIN
  FOREACH lang IN ARRAY ARRAY['english', 'french', 'dutch', 'german', 'simple'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'agora_' || lang) THEN
      EXECUTE 'CREATE TEXT SEARCH CONFIGURATION agora_' || lang || ' (COPY = pg_catalog.' || lang || ')';
      EXECUTE 'ALTER TEXT SEARCH CONFIGURATION agora_' || lang || ' ALTER MAPPING FOR hword, hword_part, word '
              'WITH unaccent, ' || CASE WHEN lang = 'simple' THEN 'simple' ELSE lang || '_stem' END;
    END IF;
  END LOOP;
END $$;
"""


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(TEXT_SEARCH_SETUP)
    with op.batch_alter_table("challenges") as batch:
        batch.add_column(sa.Column("language", sa.String(length=2), server_default="en", nullable=False))
        batch.add_column(sa.Column("search_vector", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"),
                                   nullable=True))
    # Existing challenges: the same document the application stores on save.
    from marketplace.services.challenges.search import bulk_update_documents
    bulk_update_documents(op.get_bind())
    op.create_index("ix_challenges_search_vector", "challenges", ["search_vector"], unique=False,
                    postgresql_using="gin")


def downgrade():
    op.drop_index("ix_challenges_search_vector", table_name="challenges", postgresql_using="gin")
    with op.batch_alter_table("challenges") as batch:
        batch.drop_column("search_vector")
        batch.drop_column("language")
    if op.get_bind().dialect.name == "postgresql":
        for lang in ("english", "french", "dutch", "german", "simple"):
            op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS agora_{lang}")
