"""audiohook_beginnings: how each AudioHook session id's first PT0S connection began

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 08:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kairos.db

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audiohook_beginnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.Column("began_at", kairos.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_audiohook_beginnings_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audiohook_beginnings")),
        sa.UniqueConstraint("session_id", name=op.f("uq_audiohook_beginnings_session_id")),
    )
    op.create_index(
        op.f("ix_audiohook_beginnings_interaction_id"),
        "audiohook_beginnings",
        ["interaction_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_audiohook_beginnings_interaction_id"), table_name="audiohook_beginnings")
    op.drop_table("audiohook_beginnings")
