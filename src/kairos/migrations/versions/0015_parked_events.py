"""events that arrive before their interaction's start are parked until it lands

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kairos.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "parked_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("interaction_id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("occurred_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("parked_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parked_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_parked_events_event_id")),
    )
    op.create_index(
        op.f("ix_parked_events_interaction_id"), "parked_events", ["interaction_id"], unique=False
    )
    op.create_index(
        op.f("ix_parked_events_parked_at"), "parked_events", ["parked_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_parked_events_parked_at"), table_name="parked_events")
    op.drop_index(op.f("ix_parked_events_interaction_id"), table_name="parked_events")
    op.drop_table("parked_events")
