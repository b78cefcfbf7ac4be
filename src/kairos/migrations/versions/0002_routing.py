"""routing decisions (the audit trail) and assignments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 23:18:25.591309
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kairos.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=100), nullable=True),
        sa.Column("policy", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("moment_of_truth", sa.Boolean(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=True),
        sa.Column("decided_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_routing_decisions_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_routing_decisions_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_decisions")),
    )
    # New tables need no batch mode on SQLite: plain CREATE INDEX works on both backends.
    op.create_index(
        "ix_routing_decisions_agent_id", "routing_decisions", ["agent_id", "id"], unique=False
    )
    op.create_index(
        "ix_routing_decisions_interaction_id",
        "routing_decisions",
        ["interaction_id", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_routing_decisions_policy"), "routing_decisions", ["policy"], unique=False
    )

    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("empowered", sa.Boolean(), nullable=False),
        sa.Column("assigned_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_assignments_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["routing_decisions.id"],
            name=op.f("fk_assignments_decision_id_routing_decisions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_assignments_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    op.create_index("ix_assignments_agent_id", "assignments", ["agent_id", "id"], unique=False)
    op.create_index(
        op.f("ix_assignments_interaction_id"), "assignments", ["interaction_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_assignments_interaction_id"), table_name="assignments")
    op.drop_index("ix_assignments_agent_id", table_name="assignments")
    op.drop_table("assignments")
    op.drop_index(op.f("ix_routing_decisions_policy"), table_name="routing_decisions")
    op.drop_index("ix_routing_decisions_interaction_id", table_name="routing_decisions")
    op.drop_index("ix_routing_decisions_agent_id", table_name="routing_decisions")
    op.drop_table("routing_decisions")
