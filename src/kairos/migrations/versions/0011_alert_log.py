"""stored supervisor alerts, who saw and acted on them (issue 19)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 21:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kairos.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supervisor_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.String(length=200), nullable=False),
        sa.Column("agent_id", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.Double(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("raised_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", kairos.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("seen_by", sa.String(length=200), nullable=True),
        sa.Column("seen_at", kairos.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("acted_by", sa.String(length=200), nullable=True),
        sa.Column("acted_at", kairos.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("acted", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervisor_alerts")),
    )
    op.create_index(
        "ix_supervisor_alerts_interaction",
        "supervisor_alerts",
        ["interaction_id", "raised_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_supervisor_alerts_interaction", table_name="supervisor_alerts")
    op.drop_table("supervisor_alerts")
