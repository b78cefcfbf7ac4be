"""a partial index of the contacts in progress by their last event, for the idle sweep

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    in_progress = sa.column("state") != sa.literal_column("'ended'")
    op.create_index(
        "ix_interactions_open_last_event",
        "interactions",
        ["last_event_at", "id"],
        postgresql_where=in_progress,
        sqlite_where=in_progress,
    )


def downgrade() -> None:
    op.drop_index("ix_interactions_open_last_event", table_name="interactions")
