"""The data_versions table: the public data token that keys the anonymous page cache.

Revision ID: 0006_public_data_token
Revises: 0005_email_queue
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_public_data_token"
down_revision = "0005_email_queue"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_versions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_versions")),
    )


def downgrade():
    op.drop_table("data_versions")
