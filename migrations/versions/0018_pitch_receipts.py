"""Pitch receipts: each submission, resubmission and withdrawal keeps its short reference ("AG-7K3F-92QD").

Revision ID: 0018_pitch_receipts
Revises: 0017_recovery_codes
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_pitch_receipts"
down_revision = "0017_recovery_codes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pitch_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pitch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["pitch_id"], ["pitches.id"], name=op.f("fk_pitch_receipts_pitch_id_pitches"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_pitch_receipts_issued_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pitch_receipts")),
        sa.UniqueConstraint("reference", name=op.f("uq_pitch_receipts_reference")),
    )
    op.create_index(op.f("ix_pitch_receipts_pitch_id"), "pitch_receipts", ["pitch_id"], unique=False)
    _receipts_of_earlier_submissions()


def _receipts_of_earlier_submissions():
    """A pitch submitted (or withdrawn) before receipts had references gets them now, from the same facts."""
    from datetime import timezone

    from marketplace.services.pitches.receipts import reference_for

    bind = op.get_bind()
    pitches = sa.table("pitches", sa.column("id"), sa.column("submitted_at", sa.DateTime(timezone=True)),
                       sa.column("withdrawn_at", sa.DateTime(timezone=True)), sa.column("receipt_digest"),
                       sa.column("created_by_id"))
    receipts = sa.table("pitch_receipts", sa.column("pitch_id"), sa.column("kind"), sa.column("reference"),
                        sa.column("issued_at", sa.DateTime(timezone=True)), sa.column("digest"),
                        sa.column("issued_by_id"))
    rows = []
    for pitch in bind.execute(sa.select(pitches).where(pitches.c.submitted_at.is_not(None))).mappings():
        for kind, at, digest in (("submitted", pitch["submitted_at"], pitch["receipt_digest"]),
                                 ("withdrawn", pitch["withdrawn_at"], None)):
            if at is None:
                continue
            at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
            rows.append({"pitch_id": pitch["id"], "kind": kind, "issued_at": at, "digest": digest,
                         "issued_by_id": pitch["created_by_id"],
                         "reference": reference_for(pitch["id"], kind, at, pitch["receipt_digest"])})
    if rows:
        bind.execute(receipts.insert(), rows)


def downgrade():
    op.drop_index(op.f("ix_pitch_receipts_pitch_id"), table_name="pitch_receipts")
    op.drop_table("pitch_receipts")
