"""channel escalation and IVR intent (issue 6)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 23:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode lets SQLite add the foreign key (and drop it again on downgrade).
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("escalated_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_interactions_escalated_from_id_interactions"),
            "interactions",
            ["escalated_from_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("uq_interactions_escalated_from", ["escalated_from_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_index("uq_interactions_escalated_from")
        batch.drop_constraint(
            op.f("fk_interactions_escalated_from_id_interactions"), type_="foreignkey"
        )
        batch.drop_column("escalated_from_id")
