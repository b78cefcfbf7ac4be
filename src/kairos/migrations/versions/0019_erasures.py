"""erasures (the right to erasure) and the keyed hashes of erased customers' identities

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kairos.db

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("erased_by", sa.String(length=200), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("stream_entries", sa.Integer(), nullable=True),
        sa.Column("erased_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_erasures_customer_id")),
    )
    op.create_table(
        "erased_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("erasure_id", sa.Integer(), nullable=False),
        sa.Column("identity_hash", sa.String(length=64), nullable=False),
        sa.Column("proactive", sa.Boolean(), nullable=False),
        sa.Column("channels_off", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["erasure_id"],
            ["erasures.id"],
            name=op.f("fk_erased_identities_erasure_id_erasures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erased_identities")),
    )
    op.create_index(
        "ix_erased_identities_hash", "erased_identities", ["identity_hash"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_erased_identities_hash", table_name="erased_identities")
    op.drop_table("erased_identities")
    op.drop_table("erasures")
