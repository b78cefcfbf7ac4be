"""api tokens, audit log (issue 9)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 02:40:00.000000
"""

from collections.abc import Sequence

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved so that work on several issues can add tables side by side; empty until it does.
    pass


def downgrade() -> None:
    pass
