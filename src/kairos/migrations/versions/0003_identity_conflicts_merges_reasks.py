"""identity conflicts, customer merges, phone validity, re-ask counts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kairos.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("other_customer_id", sa.Integer(), nullable=False),
        sa.Column("identities", sa.JSON(), nullable=False),
        sa.Column("interaction_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("detected_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", kairos.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_conflicts")),
    )
    op.create_index(
        "ix_identity_conflicts_status", "identity_conflicts", ["status", "id"], unique=False
    )
    op.create_table(
        "customer_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("from_customer_id", sa.Integer(), nullable=False),
        sa.Column("merged_by", sa.String(length=200), nullable=True),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("merged_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_merges")),
    )
    op.create_index(
        op.f("ix_customer_merges_customer_id"), "customer_merges", ["customer_id"], unique=False
    )
    # Existing rows get the defaults; batch mode lets SQLite drop the columns again on downgrade.
    with op.batch_alter_table("customer_identities") as batch:
        batch.add_column(sa.Column("valid", sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("reask_count", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("reask_count")
    with op.batch_alter_table("customer_identities") as batch:
        batch.drop_column("valid")
    op.drop_index(op.f("ix_customer_merges_customer_id"), table_name="customer_merges")
    op.drop_table("customer_merges")
    op.drop_index("ix_identity_conflicts_status", table_name="identity_conflicts")
    op.drop_table("identity_conflicts")
