"""What a company member typed into a pitch step when their session had ended, kept until they sign in again.

Revision ID: 0003_pitchform
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_pitchform"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "unsaved_pitch_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("typed", sa.JSON(), nullable=False),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"],
                                name=op.f("fk_unsaved_pitch_steps_challenge_id_challenges"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_unsaved_pitch_steps_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unsaved_pitch_steps")),
        sa.UniqueConstraint("user_id", "challenge_id", "step",
                            name=op.f("uq_unsaved_pitch_steps_user_id")),
    )
    with op.batch_alter_table("unsaved_pitch_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unsaved_pitch_steps_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unsaved_pitch_steps_kept_at"), ["kept_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_unsaved_pitch_steps_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("unsaved_pitch_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unsaved_pitch_steps_user_id"))
        batch_op.drop_index(batch_op.f("ix_unsaved_pitch_steps_kept_at"))
        batch_op.drop_index(batch_op.f("ix_unsaved_pitch_steps_challenge_id"))
    op.drop_table("unsaved_pitch_steps")
