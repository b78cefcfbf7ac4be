"""people's verdicts on the moment-of-truth flag, for calibration

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kairos.db

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "moment_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("mot_score", sa.Double(), nullable=True),
        sa.Column("mot_logit", sa.Double(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("given_by", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_moment_verdicts_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moment_verdicts")),
    )
    op.create_index(
        "ix_moment_verdicts_interaction", "moment_verdicts", ["interaction_id", "id"], unique=False
    )
    op.create_index(
        op.f("ix_moment_verdicts_created_at"), "moment_verdicts", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_moment_verdicts_created_at"), table_name="moment_verdicts")
    op.drop_index("ix_moment_verdicts_interaction", table_name="moment_verdicts")
    op.drop_table("moment_verdicts")
