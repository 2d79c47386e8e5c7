"""API tokens expire and say why they were revoked; the two-factor secret being enrolled and failed sign-ins
are kept on the user.

Tokens made before this migration expire 90 days after it runs (API_TOKEN_LIFETIME_DAYS's default), so no
program is cut off the day it is deployed.

Revision ID: 0007_token_expiry_and_totp
Revises: 0006_public_data_token
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = "0007_token_expiry_and_totp"
down_revision = "0006_public_data_token"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_reason", sa.String(length=32), nullable=True))
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    op.execute(tokens.update().values(expires_at=datetime.now(timezone.utc) + timedelta(days=90)))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("failed_sign_ins", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("failed_sign_ins_since", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("failed_sign_ins_since")
        batch_op.drop_column("failed_sign_ins")
        batch_op.drop_column("pending_totp_secret")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("revoked_reason")
        batch_op.drop_column("expires_at")
