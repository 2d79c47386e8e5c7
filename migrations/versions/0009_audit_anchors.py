"""The audit_anchors table (append-only), and the anchor of the rows written before digests were keyed.

Revision ID: 0009_audit_anchors
Revises: 0008_email_retry_window
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0009_audit_anchors"
down_revision = "0008_email_retry_window"
branch_labels = None
depends_on = None


def upgrade():
    anchors = op.create_table(
        "audit_anchors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("anchored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=True),
        sa.Column("head_digest", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchors")),
    )
    # Rows written until now carry plain SHA-256 digests: the first anchor says up to which row (services/audit.py).
    bind = op.get_bind()
    count, last_id = bind.execute(sa.text("SELECT count(*), max(id) FROM audit_events")).one()
    if count:
        head = bind.execute(sa.text("SELECT digest FROM audit_events WHERE id = :id"), {"id": last_id}).scalar_one()
        now = datetime.now(timezone.utc)
        op.bulk_insert(anchors, [{"anchored_at": now if bind.dialect.name == "postgresql" else now.replace(tzinfo=None),
                                  "kind": "unkeyed", "row_count": count, "last_event_id": last_id,
                                  "head_digest": head}])
    if bind.dialect.name != "postgresql":
        return  # SQLite: the ORM guard in models/audit.py is what there is
    op.execute("""
CREATE OR REPLACE FUNCTION audit_anchors_are_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit anchors are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_anchors_append_only BEFORE UPDATE OR DELETE ON audit_anchors
  FOR EACH ROW EXECUTE FUNCTION audit_anchors_are_append_only();
""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_anchors_append_only ON audit_anchors")
        op.execute("DROP FUNCTION IF EXISTS audit_anchors_are_append_only()")
    op.drop_table("audit_anchors")
