"""voice stress (issue 7)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 23:50:00.000000
"""

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved so that work on several issues can add tables side by side; empty until it does.
    pass


def downgrade() -> None:
    pass
