"""detection workers (issue 9)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 02:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(
            sa.Column("assessed_seq", sa.Integer(), nullable=False, server_default="0")
        )
    # Everything stored so far was assessed inside the ingest transaction.
    op.execute("UPDATE interactions SET assessed_seq = event_count")
    unassessed = sa.column("assessed_seq") < sa.column("event_count")
    op.create_index(
        "ix_interactions_unassessed",
        "interactions",
        ["id"],
        postgresql_where=unassessed,
        sqlite_where=unassessed,
    )

    # A repeated routing request (same Idempotency-Key) answers with its first decision.
    with op.batch_alter_table("routing_decisions") as batch:
        batch.add_column(sa.Column("request_key", sa.String(length=200), nullable=True))
        batch.create_index("uq_routing_decisions_request", ["agent_id", "request_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("routing_decisions") as batch:
        batch.drop_index("uq_routing_decisions_request")
        batch.drop_column("request_key")
    op.drop_index("ix_interactions_unassessed", table_name="interactions")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("assessed_seq")
