"""OCDS releases stored when their change happens, served by (date, id).

Revision ID: 0021_ocds_releases
Revises: 0019_saved_searches

The releases of challenges published before this revision are written by `flask ocds-store-releases` (a
migration does not import the application's builder); run it once after upgrading.
"""
import sqlalchemy as sa
from alembic import op

revision = "0021_ocds_releases"
down_revision = "0019_saved_searches"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ocds_releases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("ocid", sa.String(100), nullable=False),
        sa.Column("release_id", sa.String(160), nullable=False),
        sa.Column("change_key", sa.String(40), nullable=False),
        sa.Column("date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tag", sa.String(32), nullable=False),
        sa.Column("release", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("release_id", name="uq_ocds_releases_release_id"),
        sa.UniqueConstraint("challenge_id", "change_key", name="uq_ocds_releases_change"),
    )
    op.create_index("ix_ocds_releases_date", "ocds_releases", ["date", "id"])
    op.create_index("ix_ocds_releases_process", "ocds_releases", ["challenge_id", "date", "id"])


def downgrade():
    op.drop_index("ix_ocds_releases_process", table_name="ocds_releases")
    op.drop_index("ix_ocds_releases_date", table_name="ocds_releases")
    op.drop_table("ocds_releases")
