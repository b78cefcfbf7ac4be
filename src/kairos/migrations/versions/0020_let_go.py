"""let_go: who let which contact go (a transfer back to a queue, a declined offer), for routing

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kairos.db

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "let_go",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("passed_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_let_go_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_let_go")),
    )
    op.create_index(op.f("ix_let_go_interaction_id"), "let_go", ["interaction_id"], unique=False)
    op.create_index("ix_let_go_passed_at", "let_go", ["passed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_let_go_passed_at", table_name="let_go")
    op.drop_index(op.f("ix_let_go_interaction_id"), table_name="let_go")
    op.drop_table("let_go")
